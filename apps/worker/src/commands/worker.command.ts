// `sluice worker <name>`: the long-running workers. Each serves /metrics, /healthz and /readyz
// and stops gracefully on SIGTERM or SIGINT.

import { hostname } from 'node:os';
import { createEventRouter } from '@sluice/core';
import type { Command } from 'commander';
import { startAggregationWorker } from '../aggregation/aggregation.consumer.ts';
import { aggregatorConfig } from '../aggregation/aggregation-config.ts';
import { createAggregationMetrics } from '../aggregation/aggregation-metrics.ts';
import { startEnrichmentWorker } from '../enrichment/enrichment.consumer.ts';
import { createEnrichmentMetrics } from '../enrichment/enrichment-metrics.ts';
import { setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { brokerList, loadEnv } from '../env.ts';
import { createKafka } from '../kafka/kafka-client.ts';
import { pipelineNames } from '../kafka/topics.ts';
import { startHealthServer } from '../observability/health-server.ts';
import { loadRoutingConfig } from '../storage/routing-file.ts';
import { startSinkRunner } from '../storage/sink-runner.ts';
import { startStorageWorker } from '../storage/storage.consumer.ts';
import { createStorageMetrics } from '../storage/storage-metrics.ts';
import { batchPolicy, createSinks } from '../storage/storage-setup.ts';
import { registerWorkerLagMonitorCommand } from './worker-lag-monitor.ts';

const log = (worker: string) => (message: string) =>
  process.stderr.write(`${new Date().toISOString()} ${worker}: ${message}\n`);

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

export function registerWorkerCommands(program: Command): void {
  const worker = program.command('worker').description('run a long-running worker');
  registerWorkerLagMonitorCommand(worker);

  worker
    .command('enrichment')
    .description(
      'consumer group enrichment-workers: events.raw → events.enriched / events.dlq, exactly once',
    )
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz, /readyz (0: any free port)',
      parsePort,
      9101,
    )
    .option(
      '--worker-id <id>',
      'stable id of this instance (default: SLUICE_WORKER_ID or host-pid)',
    )
    .action(async (opts: { metricsPort: number; workerId?: string }) => {
      // Listen first: a SIGTERM during start-up must still stop the worker cleanly.
      const stopSignal = shutdownSignal();
      const env = loadEnv();
      const say = log('enrichment');
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const { pipeline, geo, workerId } = setupEnrichment(env, {
        ...(opts.workerId ? { workerId: opts.workerId } : {}),
        onGeoError: (err) =>
          say(`GeoIP database not reloaded, keeping the previous one: ${err.message}`),
      });
      geo.onSwap((l) => say(`GeoIP database reloaded, build ${l.buildTime.toISOString()}`));
      const health = await startHealthServer({ port: opts.metricsPort, service: 'enrichment' });
      const running = await startEnrichmentWorker({
        kafka: createKafka({ brokers: brokerList(env), clientId: `enrichment-${workerId}` }),
        pipeline,
        metrics: createEnrichmentMetrics(health.registry, pipeline),
        workerId,
        groupId: names.groups.enrichment,
        inputTopic: names.topics.raw,
        outputTopic: names.topics.enriched,
        dlqTopic: names.topics.dlq,
        maxBatchSize: env.ENRICH_MAX_BATCH,
        log: say,
        onReady: (ready, reason) => health.setReady(ready, reason),
      });
      say(
        `worker ${workerId} running; metrics on :${health.port()}; GeoIP build ${pipeline.geoipBuild()}`,
      );
      const outcome = await Promise.race([stopSignal, running.done.then(() => 'done' as const)]);
      say(`${outcome}: finishing the batch in hand, leaving the group`);
      await running.stop();
      geo.close();
      await health.close();
      say('stopped');
    });
  worker
    .command('storage')
    .description(
      'consumer group storage-writers: events.enriched, aggregates, sessions → TimescaleDB, Elasticsearch, Redis, S3',
    )
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz, /readyz (0: any free port)',
      parsePort,
      9103,
    )
    .option(
      '--worker-id <id>',
      'stable id of this instance (default: SLUICE_WORKER_ID or host-pid)',
    )
    .action(async (opts: { metricsPort: number; workerId?: string }) => {
      // Listen first: a SIGTERM during start-up must still stop the worker cleanly.
      const stopSignal = shutdownSignal();
      const env = loadEnv();
      const say = log('storage');
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const workerId = opts.workerId ?? env.SLUICE_WORKER_ID ?? `${hostname()}-${process.pid}`;
      const router = createEventRouter(loadRoutingConfig(env.STORAGE_ROUTING_CONFIG));
      const health = await startHealthServer({ port: opts.metricsPort, service: 'storage' });
      const metrics = createStorageMetrics(health.registry);
      const sinks = createSinks(env);
      const running = await startStorageWorker({
        kafka: createKafka({ brokers: brokerList(env), clientId: `storage-${workerId}` }),
        groupId: names.groups.storage,
        topics: {
          enriched: names.topics.enriched,
          aggregates: names.topics.aggregates,
          sessions: names.topics.sessions,
          dlq: names.topics.dlq,
        },
        router: () => router,
        runners: (deps) =>
          Object.values(sinks).map((sink) =>
            startSinkRunner({
              sink,
              policy: batchPolicy(env, sink.name),
              metrics,
              onDurable: deps.onDurable(sink.name),
              deadLetter: deps.deadLetter(sink.name),
              log: say,
            }),
          ),
        metrics,
        workerId,
        maxPending: env.STORAGE_MAX_PENDING,
        commitIntervalMs: env.STORAGE_COMMIT_INTERVAL_MS,
        log: say,
        onReady: (ready, reason) => health.setReady(ready, reason),
      });
      say(`worker ${workerId} running; metrics on :${health.port()}`);
      const outcome = await Promise.race([stopSignal, running.done.then(() => 'done' as const)]);
      say(`${outcome}: writing what is buffered, committing, leaving the group`);
      await running.stop();
      await health.close();
      say('stopped');
    });

  worker
    .command('aggregation')
    .description(
      'consumer group aggregation-workers: events.enriched → aggregates / sessions (+ changelog), exactly once',
    )
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz, /readyz (0: any free port)',
      parsePort,
      9102,
    )
    .option(
      '--worker-id <id>',
      'stable id of this instance (default: SLUICE_WORKER_ID or host-pid)',
    )
    .action(async (opts: { metricsPort: number; workerId?: string }) => {
      // Listen first: a SIGTERM during start-up must still stop the worker cleanly.
      const stopSignal = shutdownSignal();
      const env = loadEnv();
      const config = aggregatorConfig(env);
      const say = log('aggregation');
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const workerId = opts.workerId ?? env.SLUICE_WORKER_ID ?? `${hostname()}-${process.pid}`;
      const health = await startHealthServer({ port: opts.metricsPort, service: 'aggregation' });
      let stateSize = () => 0;
      const running = await startAggregationWorker({
        kafka: createKafka({ brokers: brokerList(env), clientId: `aggregation-${workerId}` }),
        config,
        metrics: createAggregationMetrics(health.registry, () => stateSize()),
        workerId,
        groupId: names.groups.aggregation,
        topics: {
          input: names.topics.enriched,
          aggregates: names.topics.aggregates,
          sessions: names.topics.sessions,
          late: names.topics.late,
          changelog: names.topics.aggregationChangelog,
        },
        maxBatchSize: env.AGG_MAX_BATCH,
        tickMs: Math.max(100, Math.min(1000, config.idleTimeoutMs / 4)),
        now: Date.now,
        log: say,
        onReady: (ready, reason) => health.setReady(ready, reason),
      });
      stateSize = running.stateSize;
      say(`worker ${workerId} running; metrics on :${health.port()}`);
      const outcome = await Promise.race([stopSignal, running.done.then(() => 'done' as const)]);
      say(`${outcome}: finishing the batch in hand, leaving the group`);
      await running.stop();
      await health.close();
      say('stopped');
    });
}
