// The lag monitor loop: every interval, read a snapshot of offsets, let the tracker turn it into
// lag, time lag, status and time to drain, then hand the report to the sinks (lag_samples,
// Prometheus, CloudWatch). A failing sink is logged and counted; the loop never stops for it.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LagMetricName, LagReport, LagTracker } from '@sluice/core';
import type { Database } from '@sluice/db';
import type { Admin } from '@sluice/kafka';
import { readLagSnapshot } from '@sluice/kafka';
import { lagMetricData } from '../cloudwatch/lag-metric-data.ts';
import { publishMetricData } from '../cloudwatch/metric-publisher.ts';
import type { LagGauges } from './lag-gauges.ts';
import { insertLagSamples } from './lag-store.ts';

export type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: object) => void;

export interface LagMonitorDeps {
  admin: Admin;
  tracker: LagTracker;
  now: () => number;
  log: Log;
  gauges?: LagGauges;
  db?: Database;
  cloudwatch?: {
    client: CloudWatchClient;
    namespace: string;
    /** Pipeline topic (under the prefix) → its throughput metric (stageMetrics). */
    stages: ReadonlyMap<string, LagMetricName>;
  };
  /** Only these groups (default: all). */
  groups?: readonly string[];
  /** Topics whose throughput is reported even if no group reads them. */
  extraTopics?: readonly string[];
}

export interface PollOutcome {
  report: LagReport;
  pollMs: number;
  errors: string[];
}

/** One poll and its sinks. Throws only when the cluster cannot be read at all. */
export async function pollLagOnce(deps: LagMonitorDeps, timeoutMs?: number): Promise<PollOutcome> {
  const started = deps.now();
  const read = await readLagSnapshot(deps.admin, {
    now: deps.now,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(deps.groups ? { groups: deps.groups } : {}),
    ...(deps.extraTopics ? { extraTopics: deps.extraTopics } : {}),
  });
  const pollMs = deps.now() - started;
  deps.gauges?.pollDuration.observe(pollMs / 1000);
  if (read.errors.length > 0) {
    deps.gauges?.pollErrors.inc({ stage: 'kafka' }, read.errors.length);
    deps.log('warn', 'partial lag snapshot', { errors: read.errors });
  }
  const report = deps.tracker.observe(read.snapshot);
  deps.gauges?.update(report);

  const errors = [...read.errors];
  if (deps.db) {
    try {
      await insertLagSamples(deps.db, report);
    } catch (err) {
      deps.gauges?.pollErrors.inc({ stage: 'postgres' });
      errors.push(`lag_samples: ${(err as Error).message}`);
      deps.log('error', 'writing lag_samples failed', { error: (err as Error).message });
    }
  }
  if (deps.cloudwatch) {
    const data = lagMetricData(report, deps.cloudwatch.stages);
    const r = await publishMetricData(deps.cloudwatch.client, deps.cloudwatch.namespace, data);
    deps.gauges?.cloudwatchDatums.inc(r.sent);
    if (r.failed > 0) {
      deps.gauges?.cloudwatchFailures.inc(r.errors.length);
      errors.push(...r.errors.map((e) => `cloudwatch: ${e}`));
      // One line per poll: how many metric data of how many were lost, and each request's why.
      deps.log('error', 'PutMetricData failed', {
        failed: r.failed,
        of: data.length,
        requests: r.requests,
        errors: r.errors,
      });
    }
  }
  return { report, pollMs, errors };
}

/** The longest wait between polls while the cluster cannot be read. */
export const MAX_BACKOFF_MS = 60_000;
/** How long the first request of a poll after a failed one may wait for a broker. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * When the next poll starts and how long its requests may wait, after `failures` polls in a
 * row that could not read the cluster. While no broker answers, librdkafka's admin requests keep
 * a client thread busy for as long as they wait (measured: about 300 ms of CPU a second with a
 * request every 2 s): so the monitor asks briefly and ever less often (doubling up to a minute),
 * and goes back to its interval with the first poll that succeeds.
 */
export function nextPoll(
  failures: number,
  intervalMs: number,
): { waitMs: number; timeoutMs?: number } {
  if (failures === 0) return { waitMs: intervalMs };
  return {
    waitMs: Math.max(intervalMs, Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** failures)),
    timeoutMs: PROBE_TIMEOUT_MS,
  };
}

/**
 * Polls every `intervalMs` (measured start to start, so the period does not drift with the
 * poll's own duration) until the signal aborts; the poll in flight finishes first. Polls that
 * cannot read the cluster back off (see nextPoll).
 */
export async function runLagMonitor(
  deps: LagMonitorDeps,
  options: { intervalMs: number; signal: AbortSignal; onPoll?: (o: PollOutcome) => void },
): Promise<void> {
  let failures = 0;
  while (!options.signal.aborted) {
    const started = deps.now();
    try {
      const outcome = await pollLagOnce(deps, nextPoll(failures, options.intervalMs).timeoutMs);
      failures = 0;
      options.onPoll?.(outcome);
    } catch (err) {
      failures++;
      deps.gauges?.pollErrors.inc({ stage: 'kafka' });
      const { waitMs } = nextPoll(failures, options.intervalMs);
      deps.log('error', 'lag poll failed', {
        error: (err as Error).message,
        failuresInARow: failures,
        nextPollInMs: waitMs,
      });
    }
    const wait = Math.max(0, started + nextPoll(failures, options.intervalMs).waitMs - deps.now());
    await sleep(wait, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
