// Lag statuses as the console shows them, from the lag monitor's samples (lag_samples): the
// status the monitor stored, explained by core's statusReason from the same window of samples the
// monitor decided it on (the last DEFAULT_WINDOW_SIZE polls of the partition), so the console
// says what `sluice lag` says. Group rows take the worst partition's status and reason. A row
// with no committed offset is a partition the group consumes without a commit ("no commit"): the
// monitor stored its lag from the log start.
import {
  DEFAULT_WINDOW_SIZE,
  isLagStatus,
  type LagSample,
  type LagStatus,
  type StatusThresholds,
  samplePosition,
  statusReason,
  worstStatus,
} from '@sluice/core';

/** A lag_samples row as read with plain SQL (bigint columns arrive as strings). A type, not an
 *  interface: drizzle's execute wants rows that are records. */
export type SampleRow = {
  group_id: string;
  topic: string;
  partition: number;
  sampled_at: Date | string;
  committed_offset: string | number | null;
  end_offset: string | number;
  offset_lag: string | number | null;
  time_lag_s: number | null;
  status: string;
};

/** The samples of one partition's window, oldest first, positioned as the monitor counted them
 *  (core's samplePosition); rows without a lag (not written by the monitor) are no evidence and
 *  left out. */
export function sampleWindow(rows: readonly SampleRow[]): LagSample[] {
  const out: LagSample[] = [];
  for (const r of rows) {
    if (r.offset_lag === null) continue;
    const committedOffset = r.committed_offset === null ? null : Number(r.committed_offset);
    const endOffset = Number(r.end_offset);
    const offsetLag = Number(r.offset_lag);
    const position = samplePosition({ committedOffset, endOffset, offsetLag });
    if (position === null) continue;
    out.push({
      atMs: new Date(r.sampled_at).getTime(),
      committedOffset: position,
      endOffset,
      offsetLag,
      ...(committedOffset === null ? { noCommit: true } : {}),
    });
  }
  return out.sort((a, b) => a.atMs - b.atMs).slice(-DEFAULT_WINDOW_SIZE);
}

export interface ExplainedStatus {
  /** null when the stored text is no status this console knows. */
  status: LagStatus | null;
  /** Why, for every status but OK; null for OK. */
  reason: string | null;
}

/** The latest row's status of one partition, with its reason from the partition's window. */
export function explainLatest(
  rows: readonly SampleRow[],
  thresholds: StatusThresholds,
): ExplainedStatus {
  const latest = [...rows].sort(
    (a, b) => new Date(a.sampled_at).getTime() - new Date(b.sampled_at).getTime(),
  )[rows.length - 1];
  if (!latest || !isLagStatus(latest.status)) return { status: null, reason: null };
  const status = latest.status;
  if (status === 'OK') return { status, reason: null };
  const reason = statusReason(status, {
    window: sampleWindow(rows),
    timeLagS: latest.time_lag_s,
    thresholds,
  });
  return { status, reason };
}

export interface GroupLagRow {
  groupId: string;
  sampledAt: string;
  /** Sum over the partitions; null when some partition's lag is unknown. */
  offsetLag: number | null;
  maxTimeLagS: number | null;
  status: LagStatus;
  /** Why the group has its status: the reason of its first partition with that status. */
  reason: string | null;
  /** That partition, `topic/partition`; null for OK. */
  reasonPartition: string | null;
  /** Partitions with the group's status, of `partitions`. */
  statusPartitions: number;
  partitions: number;
  /** Partitions the group has committed nothing on; their lag (from the log start) is in the sum. */
  noCommitPartitions: number;
}

/**
 * One row per group from the recent windows of its partitions (rows of every group, any order):
 * the partitions sampled in the group's latest poll, their summed lag, worst time lag and worst
 * status with its reason. A partition missing from the latest poll has gone and is left out.
 */
export function summariseGroups(
  rows: readonly SampleRow[],
  thresholds: StatusThresholds,
): GroupLagRow[] {
  const byGroup = new Map<string, Map<string, SampleRow[]>>();
  for (const r of rows) {
    let partitions = byGroup.get(r.group_id);
    if (!partitions) {
      partitions = new Map();
      byGroup.set(r.group_id, partitions);
    }
    const key = `${r.topic}/${r.partition}`;
    const list = partitions.get(key);
    if (list) list.push(r);
    else partitions.set(key, [r]);
  }
  const out: GroupLagRow[] = [];
  for (const [groupId, partitions] of byGroup) {
    const at = (r: SampleRow) => new Date(r.sampled_at).getTime();
    const latestAt = Math.max(...[...partitions.values()].flat().map(at));
    const current = [...partitions]
      .map(([key, list]) => ({ key, list, latest: list.find((r) => at(r) === latestAt) }))
      .filter((p): p is typeof p & { latest: SampleRow } => p.latest !== undefined)
      .sort((a, b) => compareKeys(a.latest, b.latest));
    const explained = current.map((p) => ({ key: p.key, ...explainLatest(p.list, thresholds) }));
    const status = worstStatus(explained.flatMap((e) => (e.status ? [e.status] : [])));
    const first = explained.find((e) => e.status === status);
    const lags = current.map((p) => p.latest.offset_lag);
    const times = current.flatMap((p) =>
      p.latest.time_lag_s === null ? [] : [p.latest.time_lag_s],
    );
    out.push({
      groupId,
      sampledAt: new Date(latestAt).toISOString(),
      offsetLag: lags.includes(null) ? null : lags.reduce<number>((s, l) => s + Number(l), 0),
      maxTimeLagS: times.length === 0 ? null : Math.max(...times),
      status,
      reason: status === 'OK' ? null : (first?.reason ?? null),
      reasonPartition: status === 'OK' ? null : (first?.key ?? null),
      statusPartitions: explained.filter((e) => e.status === status).length,
      partitions: current.length,
      noCommitPartitions: current.filter((p) => p.latest.committed_offset === null).length,
    });
  }
  return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
}

function compareKeys(a: SampleRow, b: SampleRow): number {
  return a.topic.localeCompare(b.topic) || a.partition - b.partition;
}
