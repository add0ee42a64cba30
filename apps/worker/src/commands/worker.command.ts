// `sluice worker <name>`: the long-running workers. Each serves /metrics, /healthz and /readyz
// and stops gracefully on SIGTERM or SIGINT.
import type { Command } from 'commander';
import { startEnrichmentWorker } from '../enrichment/enrichment.consumer.ts';
import { createEnrichmentMetrics } from '../enrichment/enrichment-metrics.ts';
import { setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { brokerList, loadEnv } from '../env.ts';
import { createKafka } from '../kafka/kafka-client.ts';
import { pipelineNames } from '../kafka/topics.ts';
import { startHealthServer } from '../observability/health-server.ts';
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
      const outcome = await Promise.race([
        shutdownSignal(),
        running.done.then(() => 'done' as const),
      ]);
      say(`${outcome}: finishing the batch in hand, leaving the group`);
      await running.stop();
      geo.close();
      await health.close();
      say('stopped');
    });
}
