// `sluice lag [--json]`: the current lag of every group partition, once. A single poll has no
// history to interpolate time lag from, so history comes from lag_samples (written by the lag
// monitor) when there is any; otherwise we sample twice, a second apart, and time lag is an
// extrapolation from that one second (flagged) or unknown (null). The output says which.
// A partition the group consumes without a commit is listed as "no commit", its lag counted from
// the log start offset.
import { createLagTracker, type LagReport, type LagSnapshot } from '@sluice/core';
import { createKafka, readLagSnapshot } from '@sluice/kafka';
import type { Command } from 'commander';
import { sluiceDb } from '../database.ts';
import { brokerList, type Env, loadEnv } from '../env.ts';
import { readLagHistory } from '../lag/lag-store.ts';

/** How much lag_samples history is enough to interpolate over (the monitor's 60-point table at
 *  its default 10 s interval). */
const HISTORY_MS = 10 * 60_000;

export type TimeLagBasis = 'history' | 'two-samples';

export interface LagRecord {
  group: string;
  topic: string;
  partition: number;
  offset_lag: number;
  time_lag_s: number | null;
  time_lag_estimated: boolean;
  status: string;
  status_reason: string;
  /** null: nothing committed on the partition (then no_commit, and the lag is from the log start). */
  committed_offset: number | null;
  no_commit: boolean;
  log_start_offset: number | null;
  end_offset: number;
  time_lag_basis: TimeLagBasis;
}

export function toLagRecords(report: LagReport, basis: TimeLagBasis): LagRecord[] {
  return report.groups.flatMap((g) =>
    g.partitions.map((p) => ({
      group: p.group,
      topic: p.topic,
      partition: p.partition,
      offset_lag: p.offsetLag,
      time_lag_s: p.timeLagS === null ? null : Math.round(p.timeLagS * 10) / 10,
      time_lag_estimated: p.timeLagEstimated,
      status: p.status,
      status_reason: p.statusReason,
      committed_offset: p.committedOffset,
      no_commit: p.committedOffset === null,
      log_start_offset: p.logStartOffset,
      end_offset: p.endOffset,
      time_lag_basis: basis,
    })),
  );
}

export function registerLagCommand(program: Command): void {
  program
    .command('lag')
    .description('current lag, time lag and status of every consumer group partition')
    .option('--json', 'one JSON record per group, topic and partition (an array)')
    .option('--group <id...>', 'only these consumer groups')
    .option('--no-history', 'ignore lag_samples; sample twice a second apart instead')
    .action(async (opts: { json?: boolean; group?: string[]; history: boolean }) => {
      const env = loadEnv();
      const admin = createKafka({ brokers: brokerList(env), clientId: 'sluice-lag' }).admin();
      // The monitor's thresholds, so a WARN here is a WARN there, with the same reason.
      const tracker = createLagTracker({
        thresholds: {
          ...(env.LAG_WARN_OFFSET_LAG ? { maxOffsetLag: env.LAG_WARN_OFFSET_LAG } : {}),
          ...(env.LAG_WARN_TIME_LAG_S ? { maxTimeLagS: env.LAG_WARN_TIME_LAG_S } : {}),
        },
      });
      const read = (): Promise<LagSnapshot> =>
        readLagSnapshot(admin, {
          now: Date.now,
          ...(opts.group ? { groups: opts.group } : {}),
        }).then((r) => {
          for (const e of r.errors) process.stderr.write(`sluice lag: ${e}\n`);
          return r.snapshot;
        });

      let history: LagSnapshot[] = [];
      if (opts.history) history = await loadHistory(env, opts.group);
      await admin.connect();
      let report: LagReport;
      let basis: TimeLagBasis;
      try {
        for (const h of history) tracker.observe(h);
        if (history.length >= 2) {
          basis = 'history';
          report = tracker.observe(await read());
        } else {
          basis = 'two-samples';
          tracker.observe(await read());
          await new Promise((r) => setTimeout(r, 1000));
          report = tracker.observe(await read());
        }
      } finally {
        await admin.disconnect();
      }
      const records = toLagRecords(report, basis);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
        return;
      }
      process.stdout.write(formatTable(records));
      process.stdout.write(
        basis === 'history'
          ? `\ntime lag interpolated over lag_samples history (~ marks an extrapolation)\n`
          : `\nno lag_samples history: time lag extrapolated from two samples 1 s apart (~), or unknown (-)\n`,
      );
    });
}

async function loadHistory(env: Env, groups?: string[]): Promise<LagSnapshot[]> {
  const db = sluiceDb(env, 1);
  try {
    return await readLagHistory(db, Date.now() - HISTORY_MS, groups);
  } catch (err) {
    process.stderr.write(`sluice lag: no history from lag_samples (${(err as Error).message})\n`);
    return [];
  } finally {
    await db.$client.end();
  }
}

function formatTable(records: LagRecord[]): string {
  const rows = records.map((r) => [
    r.group,
    r.topic,
    String(r.partition),
    r.committed_offset === null ? 'no commit' : String(r.committed_offset),
    String(r.end_offset),
    String(r.offset_lag),
    r.time_lag_s === null ? '-' : `${r.time_lag_estimated ? '~' : ''}${r.time_lag_s}`,
    r.status,
    // Why, beside every status but OK (core's statusReason, as the console shows it).
    r.status === 'OK' ? '' : r.status_reason,
  ]);
  const head = [
    'GROUP',
    'TOPIC',
    'PART',
    'COMMITTED',
    'END',
    'LAG',
    'TIME LAG S',
    'STATUS',
    'REASON',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  if (rows.length === 0) return 'no consumer group partitions\n';
  const table = [head, ...rows].map(line).join('');
  return records.some((r) => r.no_commit)
    ? `${table}\nno commit: the group has committed nothing there; its lag counts from the log start offset\n`
    : table;
}
