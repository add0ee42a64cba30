// `sluice worker lag-monitor`: the long-running lag monitor. Polls every consumer group, writes
// lag_samples, serves Prometheus gauges and publishes CloudWatch metrics until SIGTERM.
import { createLagTracker, type LagMetricName, pipelineNames } from '@sluice/core';
import { createKafka } from '@sluice/kafka';
import { type Command, InvalidArgumentError } from 'commander';
import { createCloudWatchClient } from '../cloudwatch/cloudwatch-client.ts';
import { stageMetrics } from '../cloudwatch/lag-metric-data.ts';
import { sluiceDb } from '../database.ts';
import { brokerList, loadEnv } from '../env.ts';
import { createLagGauges } from '../lag/lag-gauges.ts';
import { type Log, runLagMonitor } from '../lag/lag-monitor.ts';
import { startHealthServer } from '../observability/health-server.ts';

interface Options {
  interval: number;
  metricsPort?: number;
  group?: string[];
  cloudwatch: boolean;
  db: boolean;
}

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 3600) {
    throw new InvalidArgumentError('--interval must be between 1 and 3600 seconds');
  }
  return n;
};

/** JSON lines on stderr: what a container log collector expects. */
export const jsonLog: Log = (level, msg, fields) => {
  process.stderr.write(
    `${JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields })}\n`,
  );
};

/**
 * The pipeline topics the monitor reports throughput of, named as the workers name them: under
 * SLUICE_TOPIC_PREFIX, from the pipeline contract. Unprefixed names would watch another
 * pipeline's topics, or none.
 */
export function pipelineThroughputTopics(prefix: string): {
  extraTopics: string[];
  stages: Map<string, LagMetricName>;
} {
  const { topics } = pipelineNames(prefix);
  return {
    extraTopics: [topics.raw, topics.enriched, topics.dlq, topics.late],
    stages: stageMetrics(topics),
  };
}

/** Adds `lag-monitor` to the `worker` command group. */
export function registerWorkerLagMonitorCommand(worker: Command): void {
  worker
    .command('lag-monitor')
    .description('monitor consumer lag of every group: lag_samples, /metrics and CloudWatch')
    .option('--interval <seconds>', 'seconds between polls', seconds, 10)
    .option(
      '--metrics-port <n>',
      'port of /metrics, /healthz, /readyz (default: LAG_MONITOR_PORT)',
      Number,
    )
    .option('--group <id...>', 'only these consumer groups (default: all)')
    .option('--no-cloudwatch', 'do not publish to CloudWatch')
    .option('--no-db', 'do not write lag_samples')
    .action((opts: Options) => runLagMonitorCommand(opts));
}

export async function runLagMonitorCommand(opts: Options): Promise<void> {
  const env = loadEnv();
  const pipeline = pipelineThroughputTopics(env.SLUICE_TOPIC_PREFIX);
  const kafka = createKafka({ brokers: brokerList(env), clientId: 'sluice-lag-monitor' });
  const admin = kafka.admin();
  const health = await startHealthServer({
    port: opts.metricsPort ?? env.LAG_MONITOR_PORT,
    service: 'lag-monitor',
  });
  const gauges = createLagGauges(health.registry);
  const db = opts.db ? sluiceDb(env, 2) : undefined;
  const controller = new AbortController();
  const stop = (signal: string) => {
    jsonLog('info', 'stopping', { signal });
    health.setReady(false, 'stopping');
    controller.abort();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await admin.connect();
  jsonLog('info', 'lag monitor started', {
    intervalS: opts.interval,
    port: health.port(),
    groups: opts.group ?? 'all',
    topics: pipeline.extraTopics,
    cloudwatch: opts.cloudwatch ? env.CLOUDWATCH_NAMESPACE : false,
    db: opts.db,
  });
  const thresholds = {
    ...(env.LAG_WARN_OFFSET_LAG ? { maxOffsetLag: env.LAG_WARN_OFFSET_LAG } : {}),
    ...(env.LAG_WARN_TIME_LAG_S ? { maxTimeLagS: env.LAG_WARN_TIME_LAG_S } : {}),
  };
  try {
    await runLagMonitor(
      {
        admin,
        tracker: createLagTracker({ thresholds }),
        now: Date.now,
        log: jsonLog,
        gauges,
        ...(db ? { db } : {}),
        ...(opts.cloudwatch
          ? {
              cloudwatch: {
                client: createCloudWatchClient(env),
                namespace: env.CLOUDWATCH_NAMESPACE,
                stages: pipeline.stages,
              },
            }
          : {}),
        ...(opts.group ? { groups: opts.group } : {}),
        extraTopics: pipeline.extraTopics,
      },
      {
        intervalMs: opts.interval * 1000,
        signal: controller.signal,
        onPoll: (o) => {
          if (!controller.signal.aborted) health.setReady(true, 'polling');
          const partitions = o.report.groups.reduce((n, g) => n + g.partitions.length, 0);
          jsonLog('info', 'poll', {
            pollMs: o.pollMs,
            groups: o.report.groups.length,
            partitions,
            errors: o.errors.length,
          });
        },
      },
    );
  } finally {
    // The poll in flight has finished (runLagMonitor returns only between polls).
    await admin.disconnect().catch(() => {});
    await db?.$client.end().catch(() => {});
    await health.close();
    jsonLog('info', 'lag monitor stopped');
  }
}
