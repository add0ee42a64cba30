// `sluice worker <name>`: the long-running workers. Each serves /metrics, /healthz and /readyz
// and stops gracefully on SIGTERM or SIGINT; the lifecycle they share lives in `workerCommand`.
import { describeStageControl, type StageControl } from '@sluice/core';
import { createDb } from '@sluice/db';
import { type ControlWatcher, createKafka, type Kafka, watchStageControls } from '@sluice/kafka';
import type { Command } from 'commander';
import { startAggregationWorker } from '../aggregation/aggregation.consumer.ts';
import { aggregatorConfig } from '../aggregation/aggregation-config.ts';
import { createAggregationMetrics } from '../aggregation/aggregation-metrics.ts';
import { dlqIndexerWorker } from '../dlq/dlq-indexer.worker.ts';
import { startEnrichmentWorker } from '../enrichment/enrichment.consumer.ts';
import { createEnrichmentMetrics } from '../enrichment/enrichment-metrics.ts';
import { dedupOptions, setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { brokerList, defaultWorkerId, type Env, loadEnv, stageFetch } from '../env.ts';
import { type GroupNames, pipelineNames, type TopicNames } from '../kafka/topics.ts';
import { type HealthServer, startHealthServer } from '../observability/health-server.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createStageCounters, type StageCounters } from '../observability/stage-counters.ts';
import {
  createRoutingSwitch,
  routingVersionSource,
  watchRoutingVersions,
} from '../storage/routing-versions.ts';
import { startSinkRunner } from '../storage/sink-runner.ts';
import { startStorageWorker } from '../storage/storage.consumer.ts';
import { createStorageMetrics } from '../storage/storage-metrics.ts';
import { batchPolicy, createSinks } from '../storage/storage-setup.ts';
import { startStorageTelemetry } from '../storage/storage-telemetry.ts';
import { registerWorkerLagMonitorCommand } from './worker-lag-monitor.ts';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port ${v}`);
  return n;
}

/** Resolves on the first SIGTERM/SIGINT. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/**
 * Ends the process when a stop is stuck. Not process.exit: it joins libuv's thread pool, and a
 * Kafka client's close blocked in it (waiting on a rebalance that will not come) kept a worker
 * alive for good that way. SIGKILL is what an orchestrator would send after its grace anyway.
 */
function forceExit(log: Logger, reason: string): never {
  log('error', `${reason}; killing the process`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL sent to self');
}

export interface WorkerContext {
  env: Env;
  workerId: string;
  topics: TopicNames;
  groups: GroupNames;
  kafka: Kafka;
  health: HealthServer;
  brokers: string[];
  /** Static group membership: only when the worker id is stable across restarts (the pod name). */
  staticMembership: boolean;
  /** Records counted per stage for the console; made on first use, closed after the stop. */
  stageCounters(stage: 'enrichment' | 'aggregation' | 'storage'): StageCounters;
  log: Logger;
  /** Plain messages (sinks, GeoIP reloads) as info lines. */
  say: (message: string) => void;
  onReady: (ready: boolean, reason: string) => void;
  /**
   * A group's desired state from the control channel, followed from now on: the channel is read
   * to its end first, so a worker that starts while its stage is paused stays paused.
   */
  stageControl(groupId: string): Promise<() => StageControl>;
}

export interface Started {
  done: Promise<void>;
  stop(): Promise<void>;
  /** Milliseconds since the worker's loop last turned (liveness), where it has one. */
  sinceLastLoopMs?(): number;
  /** What the loop is doing now, where it has one. */
  phase?(): string;
  /** A Kafka client whose close never finished (see RunningStage.unclosedClient). */
  unclosedClient?(): string | undefined;
  /** What the worker does with the work in hand when it stops, for the log. */
  stopping: string;
  /** Extra detail for the "running" line. */
  detail?: string;
  cleanup?(): void;
}

/** One worker subcommand: options, health server, start, then a graceful stop on a signal. */
function workerCommand(
  parent: Command,
  spec: {
    name: string;
    description: string;
    port: number;
    start(ctx: WorkerContext): Promise<Started>;
  },
): void {
  parent
    .command(spec.name)
    .description(spec.description)
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz, /readyz (0: any free port)',
      parsePort,
      spec.port,
    )
    .option(
      '--worker-id <id>',
      'stable id of this instance (default: SLUICE_WORKER_ID or host-pid-random)',
    )
    .action(async (opts: { metricsPort: number; workerId?: string }) => {
      // Listen first: a SIGTERM during start-up must still stop the worker cleanly.
      const stopSignal = shutdownSignal();
      const env = loadEnv();
      const workerId = opts.workerId ?? defaultWorkerId(env);
      const log = createLogger({ stage: spec.name, worker: workerId });
      const say = (message: string) => log('info', message);
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const health = await startHealthServer({ port: opts.metricsPort, service: spec.name });
      let counters: StageCounters | undefined;
      let controls: Promise<ControlWatcher> | undefined;
      const closeControls = async () => {
        const w = await controls?.catch(() => undefined);
        await w?.close();
      };
      let running: Started;
      try {
        running = await spec.start({
          env,
          workerId,
          ...names,
          brokers: brokerList(env),
          staticMembership: env.SLUICE_WORKER_ID !== undefined,
          stageCounters: (stage) => {
            counters ??= createStageCounters({
              redisUrl: env.REDIS_URL,
              prefix: env.REDIS_KEY_PREFIX,
              stage,
              workerId,
              log,
            });
            return counters;
          },
          kafka: createKafka({ brokers: brokerList(env), clientId: `${spec.name}-${workerId}` }),
          health,
          log,
          say,
          onReady: (ready, reason) => health.setReady(ready, reason),
          async stageControl(groupId) {
            controls ??= watchStageControls({
              brokers: brokerList(env),
              clientId: `${spec.name}-${workerId}-control`,
              topic: names.topics.control,
              log,
              onChange: (group, c) => {
                if (group === groupId) say(`control channel: ${group} ${describeStageControl(c)}`);
              },
            });
            const watcher = await controls;
            return () => watcher.get(groupId);
          },
        });
      } catch (err) {
        // A worker that cannot start exits non-zero so its orchestrator restarts it, rather
        // than serve a healthy /healthz with nothing running behind it.
        log('error', `could not start: ${(err as Error).message}`);
        await closeControls();
        await health.close();
        process.exit(1);
      }
      const loopStallMs = 120_000;
      const stalledFor = () => {
        const since = running.sinceLastLoopMs?.() ?? 0;
        const where = running.phase ? ` (${running.phase()})` : '';
        return {
          since,
          text: `the consume loop has not turned for ${Math.round(since / 1000)} s${where}`,
        };
      };
      health.setLiveness(() => {
        const { since, text } = stalledFor();
        return since > loopStallMs ? { ok: false, reason: text } : { ok: true, reason: 'ok' };
      });
      // Said in the log too, once a minute while it lasts: an orchestrator's liveness probe
      // restarts the worker at 120 s, and the log is what tells why.
      const stallWatch = setInterval(() => {
        const { since, text } = stalledFor();
        if (since > 60_000) log('warn', text);
      }, 60_000);
      stallWatch.unref();
      say(
        `worker ${workerId} running; metrics on :${health.port()}${running.detail ? `; ${running.detail}` : ''}`,
      );
      const outcome = await Promise.race([
        stopSignal,
        running.done.then(
          () => 'done' as const,
          (err: Error) => err,
        ),
      ]);
      if (outcome instanceof Error) {
        // A bug (not a Kafka failure) names where it happened: the stack, on the same line.
        const where =
          outcome.name === 'KafkaFatalError' || !outcome.stack
            ? ''
            : ` | ${outcome.stack
                .split('\n')
                .slice(1, 6)
                .map((l) => l.trim())
                .join(' | ')}`;
        log('error', `cannot go on, exiting: ${outcome.message}${where}`);
        health.setLiveness(() => ({ ok: false, reason: outcome.message }));
        // Bounded: a broken client must not keep the process alive.
        setTimeout(
          () => forceExit(log, 'the stop after the failure did not finish in 15 s'),
          15_000,
        ).unref();
      } else {
        say(`${outcome}: ${running.stopping}`);
        const graceMs = env.WORKER_STOP_TIMEOUT_MS;
        setTimeout(
          () =>
            forceExit(
              log,
              `the graceful stop did not finish within ${graceMs / 1000} s (WORKER_STOP_TIMEOUT_MS)`,
            ),
          graceMs,
        ).unref();
      }
      const stopError = await running.stop().then(
        () => undefined,
        (err: Error) => err,
      );
      // A stop that could not finish its work (the last commit, say) is a failure too: the
      // orchestrator must hear of it, not a clean exit.
      const failure =
        outcome instanceof Error
          ? outcome
          : (stopError ??
            (await running.done.then(
              () => undefined,
              (err: Error) => err,
            )));
      running.cleanup?.();
      await closeControls();
      await counters?.close();
      await health.close();
      // process.exit joins libuv's thread pool: a librdkafka call that never returned holds one
      // of its threads for good, so the process ends itself instead of hanging there.
      const unclosed = running.unclosedClient?.();
      if (failure) {
        if (failure !== outcome) log('error', `stopped with an error: ${failure.message}`);
        if (unclosed) forceExit(log, `${unclosed} (librdkafka #5456)`);
        process.exit(1);
      }
      say('stopped');
      if (unclosed)
        forceExit(
          log,
          `stopped, with the work in hand committed; but ${unclosed} (librdkafka #5456)`,
        );
      // librdkafka's threads and sockets are closed; nothing else may hold the process.
      process.exit(0);
    });
}

export function registerWorkerCommands(program: Command): void {
  const worker = program.command('worker').description('run a long-running worker');
  registerWorkerLagMonitorCommand(worker);

  workerCommand(worker, {
    name: 'enrichment',
    description:
      'consumer group enrichment-workers: events.raw → events.enriched / events.dlq, exactly once',
    port: 9101,
    async start(c) {
      const { pipeline, geo } = setupEnrichment(c.env, {
        workerId: c.workerId,
        onGeoError: (err) =>
          c.say(`GeoIP database not reloaded, keeping the previous one: ${err.message}`),
      });
      geo.onSwap((l) => c.say(`GeoIP database reloaded, build ${l.buildTime.toISOString()}`));
      const counters = c.stageCounters('enrichment');
      const running = await startEnrichmentWorker({
        brokers: c.brokers,
        count: (metric, n) => counters.add(metric, n),
        pipeline,
        metrics: createEnrichmentMetrics(c.health.registry, pipeline),
        workerId: c.workerId,
        groupId: c.groups.enrichment,
        inputTopic: c.topics.raw,
        outputTopic: c.topics.enriched,
        dlqTopic: c.topics.dlq,
        maxBatchSize: c.env.ENRICH_MAX_BATCH,
        commitIntervalMs: c.env.STAGE_COMMIT_INTERVAL_MS,
        fetch: stageFetch(c.env),
        staticMembership: c.staticMembership,
        dedup: dedupOptions(c.env),
        log: c.log,
        onReady: c.onReady,
        control: await c.stageControl(c.groups.enrichment),
      });
      return {
        ...running,
        stopping: 'finishing the batch in hand, leaving the group',
        detail: `GeoIP build ${pipeline.geoipBuild()}`,
        cleanup: () => geo.close(),
      };
    },
  });

  workerCommand(worker, {
    name: 'aggregation',
    description:
      'consumer group aggregation-workers: events.enriched → aggregates / sessions (+ changelog), exactly once',
    port: 9102,
    async start(c) {
      const config = aggregatorConfig(c.env);
      let stateSize = () => 0;
      const counters = c.stageCounters('aggregation');
      const running = await startAggregationWorker({
        count: (metric, n) => counters.add(metric, n),
        brokers: c.brokers,
        kafka: c.kafka,
        commitIntervalMs: c.env.AGG_COMMIT_INTERVAL_MS,
        fetch: stageFetch(c.env),
        staticMembership: c.staticMembership,
        config,
        metrics: createAggregationMetrics(c.health.registry, () => stateSize()),
        workerId: c.workerId,
        groupId: c.groups.aggregation,
        topics: {
          input: c.topics.enriched,
          aggregates: c.topics.aggregates,
          sessions: c.topics.sessions,
          late: c.topics.late,
          changelog: c.topics.aggregationChangelog,
        },
        maxBatchSize: c.env.AGG_MAX_BATCH,
        tickMs: Math.max(100, Math.min(1000, config.idleTimeoutMs / 4)),
        now: Date.now,
        log: c.log,
        onReady: c.onReady,
        control: await c.stageControl(c.groups.aggregation),
      });
      stateSize = running.stateSize;
      return { ...running, stopping: 'finishing the batch in hand, leaving the group' };
    },
  });

  workerCommand(worker, {
    name: 'storage',
    description:
      'consumer group storage-writers: events.enriched, aggregates, sessions → TimescaleDB, Elasticsearch, Redis, S3',
    port: 9103,
    async start(c) {
      // The rules in force from PostgreSQL (routing-versions.ts), switched between batches.
      const routingDb = createDb({
        url: c.env.DATABASE_URL,
        ...(c.env.DATABASE_SCHEMA ? { searchPath: c.env.DATABASE_SCHEMA } : {}),
        maxConnections: 1,
      });
      routingDb.$client.on('error', () => {});
      const rules = await watchRoutingVersions({
        source: routingVersionSource(routingDb, c.workerId),
        file: c.env.STORAGE_ROUTING_CONFIG,
        log: c.say,
      });
      const routing = createRoutingSwitch(rules, { log: c.say, registry: c.health.registry });
      const metrics = createStorageMetrics(c.health.registry);
      const sinks = createSinks(c.env);
      const counters = c.stageCounters('storage');
      const running = await startStorageWorker({
        count: (metric, n) => counters.add(metric, n),
        fetch: stageFetch(c.env),
        brokers: c.brokers,
        groupId: c.groups.storage,
        topics: {
          enriched: c.topics.enriched,
          aggregates: c.topics.aggregates,
          sessions: c.topics.sessions,
          dlq: c.topics.dlq,
        },
        router: routing.router,
        runners: (deps) =>
          Object.values(sinks).map((sink) =>
            startSinkRunner({
              sink,
              policy: batchPolicy(c.env, sink.name),
              metrics,
              onDurable: deps.onDurable(sink.name),
              deadLetter: deps.deadLetter(sink.name),
              log: c.say,
            }),
          ),
        telemetry: (runners) =>
          startStorageTelemetry({
            redisUrl: c.env.REDIS_URL,
            prefix: c.env.REDIS_KEY_PREFIX,
            workerId: c.workerId,
            runners: () => runners,
            metrics,
            log: c.say,
            routingVersion: routing.running,
          }),
        metrics,
        workerId: c.workerId,
        staticMembership: c.staticMembership,
        maxPending: c.env.STORAGE_MAX_PENDING,
        commitIntervalMs: c.env.STORAGE_COMMIT_INTERVAL_MS,
        log: c.log,
        onReady: c.onReady,
        control: await c.stageControl(c.groups.storage),
      });
      return {
        ...running,
        stop: async () => {
          rules.close();
          await running.stop();
          await routingDb.$client.end();
        },
        stopping: 'writing what is buffered, committing, leaving the group',
      };
    },
  });

  workerCommand(worker, dlqIndexerWorker);
}
