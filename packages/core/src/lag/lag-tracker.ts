// The lag monitor's memory, without the I/O: fed one snapshot of offsets per poll, it keeps the
// offset/time table per partition and the sample window per group partition, and answers with
// lag, time lag, status and time to drain for every partition of every group in the snapshot.
// A partition the group consumes without a commit is in the report too, its lag counted from the
// log start offset (offset-lag.ts) and marked as such.
import { offsetLag as lagOf } from './offset-lag.ts';
import {
  DEFAULT_TABLE_CAPACITY,
  type OffsetTimeTable,
  recordEndOffset,
  timeLagAt,
  timeLagValue,
} from './offset-time-table.ts';
import {
  DEFAULT_WINDOW_SIZE,
  type LagSample,
  type LagStatus,
  partitionStatus,
  type StatusThresholds,
  worstStatus,
} from './partition-status.ts';
import { drainSeconds, timeToDrain } from './time-to-drain.ts';

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface GroupOffsets {
  groupId: string;
  /** Members right now (0: empty or dead group). */
  members: number;
  /** Committed offsets. */
  committed: readonly PartitionOffset[];
  /** Partitions the group consumes (assigned to a member, or listed without an offset) on which
   *  it has committed nothing. Their lag counts from the log start offset. */
  uncommitted?: readonly { topic: string; partition: number }[];
}

export interface LagSnapshot {
  atMs: number;
  /** Log-end (last stable) offsets of every partition the groups consume, and of any other
   *  topic whose throughput is of interest. */
  endOffsets: readonly PartitionOffset[];
  /** Log start offsets (the earliest offset still in the log). A partition without a commit
   *  whose log start is missing here is left out of the report: its lag cannot be said. */
  startOffsets?: readonly PartitionOffset[];
  groups: readonly GroupOffsets[];
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** null: the group has committed nothing on this partition ("no commit"). */
  committedOffset: number | null;
  /** The earliest offset still in the log, when read. */
  logStartOffset: number | null;
  endOffset: number;
  /** From the committed offset, or from the log start when there is no commit. */
  offsetLag: number;
  /** null when unknown (too little history, or nothing produced to take a slope from). */
  timeLagS: number | null;
  /** true when the committed offset was older than the table and the time was extrapolated. */
  timeLagEstimated: boolean;
  status: LagStatus;
  statusReason: string;
  /** 0 drained, Infinity not draining at current rates, null unknown. */
  timeToDrainS: number | null;
}

export interface GroupLag {
  group: string;
  members: number;
  status: LagStatus;
  partitions: PartitionLag[];
}

export interface TopicThroughput {
  topic: string;
  /** Sum over partitions of the end offset. */
  endOffset: number;
  /** Offsets added since the previous snapshot (null on the first). Transaction markers take an
   *  offset each, so on transactional topics this slightly over-counts records. */
  recordsSinceLast: number | null;
  perSecond: number | null;
}

export interface LagReport {
  atMs: number;
  groups: GroupLag[];
  topics: TopicThroughput[];
}

export interface LagTrackerOptions {
  tableCapacity?: number;
  windowSize?: number;
  thresholds?: StatusThresholds;
  /** History of a partition or group partition missing from snapshots for this long is dropped
   *  (a deleted topic or group). Shorter gaps (a failed fetch) keep it. Default 10 minutes. */
  forgetAfterMs?: number;
}

export interface LagTracker {
  observe(snapshot: LagSnapshot): LagReport;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export function createLagTracker(options: LagTrackerOptions = {}): LagTracker {
  const capacity = options.tableCapacity ?? DEFAULT_TABLE_CAPACITY;
  const windowSize = options.windowSize ?? DEFAULT_WINDOW_SIZE;
  const forgetAfterMs = options.forgetAfterMs ?? 600_000;
  const tables = new Map<string, OffsetTimeTable>();
  const windows = new Map<string, LagSample[]>();
  let lastTopicTotals = new Map<string, { endOffset: number; atMs: number }>();

  return {
    observe(snapshot) {
      const { atMs } = snapshot;
      const ends = new Map<string, number>();
      for (const e of snapshot.endOffsets) {
        const key = tpKey(e.topic, e.partition);
        ends.set(key, e.offset);
        tables.set(key, recordEndOffset(tables.get(key) ?? [], e.offset, atMs, capacity));
      }
      const starts = new Map<string, number>();
      for (const s of snapshot.startOffsets ?? [])
        starts.set(tpKey(s.topic, s.partition), s.offset);
      const groups: GroupLag[] = [];
      for (const g of snapshot.groups) {
        const partitions: PartitionLag[] = [];
        for (const c of consumedPartitions(g)) {
          const key = tpKey(c.topic, c.partition);
          const endOffset = ends.get(key);
          if (endOffset === undefined) continue; // no end offset: cannot say anything honest
          const logStartOffset = starts.get(key) ?? null;
          const lag = lagOf({ committedOffset: c.committed, logStartOffset, endOffset });
          if (lag === null) continue; // no commit and no log start: no position to count from
          const wkey = `${g.groupId}\u0000${key}`;
          const sample: LagSample = {
            atMs,
            committedOffset: lag.position,
            endOffset,
            offsetLag: lag.offsetLag,
            ...(lag.noCommit ? { noCommit: true } : {}),
          };
          const window = [...(windows.get(wkey) ?? []), sample].slice(-windowSize);
          windows.set(wkey, window);
          const time = timeLagValue(
            timeLagAt(tables.get(key) ?? [], lag.position, endOffset, atMs),
          );
          const status = partitionStatus({
            window,
            windowSize,
            members: g.members,
            timeLagS: time.seconds,
            ...(options.thresholds ? { thresholds: options.thresholds } : {}),
          });
          partitions.push({
            group: g.groupId,
            topic: c.topic,
            partition: c.partition,
            committedOffset: c.committed,
            logStartOffset,
            endOffset,
            offsetLag: lag.offsetLag,
            timeLagS: time.seconds,
            timeLagEstimated: time.estimated,
            status: status.status,
            statusReason: status.reason,
            timeToDrainS: drainSeconds(timeToDrain(window, lag.offsetLag)),
          });
        }
        partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        groups.push({
          group: g.groupId,
          members: g.members,
          status: worstStatus(partitions.map((p) => p.status)),
          partitions,
        });
      }
      forgetStale(tables, (t) => t[t.length - 1]?.atMs, atMs - forgetAfterMs);
      forgetStale(windows, (w) => w[w.length - 1]?.atMs, atMs - forgetAfterMs);
      groups.sort((a, b) => a.group.localeCompare(b.group));

      const totals = new Map<string, number>();
      for (const e of snapshot.endOffsets) {
        totals.set(e.topic, (totals.get(e.topic) ?? 0) + e.offset);
      }
      const topics: TopicThroughput[] = [];
      const nextTotals = new Map<string, { endOffset: number; atMs: number }>();
      for (const [topic, endOffset] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
        const prev = lastTopicTotals.get(topic);
        // A total that went down (topic recreated, partitions lost) has no meaningful delta.
        const delta = prev && endOffset >= prev.endOffset ? endOffset - prev.endOffset : null;
        const seconds = prev ? (atMs - prev.atMs) / 1000 : 0;
        topics.push({
          topic,
          endOffset,
          recordsSinceLast: delta,
          perSecond: delta !== null && seconds > 0 ? delta / seconds : null,
        });
        nextTotals.set(topic, { endOffset, atMs });
      }
      lastTopicTotals = nextTotals;
      return { atMs, groups, topics };
    },
  };
}

/** The group's partitions once each, with their commit or null; a commit wins over the same
 *  partition also listed without one. */
function consumedPartitions(
  g: GroupOffsets,
): { topic: string; partition: number; committed: number | null }[] {
  const out = new Map<string, { topic: string; partition: number; committed: number | null }>();
  for (const c of g.committed) {
    out.set(tpKey(c.topic, c.partition), {
      topic: c.topic,
      partition: c.partition,
      committed: c.offset,
    });
  }
  for (const u of g.uncommitted ?? []) {
    const key = tpKey(u.topic, u.partition);
    if (!out.has(key)) out.set(key, { topic: u.topic, partition: u.partition, committed: null });
  }
  return [...out.values()];
}

function forgetStale<V>(map: Map<string, V>, newest: (v: V) => number | undefined, before: number) {
  for (const [key, value] of map) {
    if ((newest(value) ?? Number.NEGATIVE_INFINITY) < before) map.delete(key);
  }
}
