// Per (group, topic) aggregates of partition lag: what CloudWatch and autoscalers look at, since
// a per-partition series per group would be too many metrics to pay for and alarm on.
import type { LagStatus } from './partition-status.ts';
import { worstStatus } from './partition-status.ts';

export interface PartitionLagLike {
  group: string;
  topic: string;
  /** null: no commit on the partition; its offset lag counts from the log start. */
  committedOffset: number | null;
  offsetLag: number;
  timeLagS: number | null;
  timeLagEstimated: boolean;
  status: LagStatus;
}

export interface GroupTopicSummary {
  group: string;
  topic: string;
  partitions: number;
  /** Partitions the group has committed nothing on (their lag is in the max and the sum). */
  noCommitPartitions: number;
  maxOffsetLag: number;
  sumOffsetLag: number;
  /** The largest known time lag, interpolated or extrapolated; null when none is known. */
  maxTimeLagS: number | null;
  /** True when the largest time lag is an extrapolation. */
  maxTimeLagEstimated: boolean;
  /** Partitions whose time lag is unknown; a max over the known ones may understate. */
  unknownTimeLagPartitions: number;
  status: LagStatus;
}

export function summariseByGroupTopic(
  partitions: readonly PartitionLagLike[],
): GroupTopicSummary[] {
  const byKey = new Map<string, PartitionLagLike[]>();
  for (const p of partitions) {
    const key = `${p.group}\u0000${p.topic}`;
    const list = byKey.get(key);
    if (list) list.push(p);
    else byKey.set(key, [p]);
  }
  const out: GroupTopicSummary[] = [];
  for (const list of byKey.values()) {
    const head = list[0] as PartitionLagLike;
    let maxTime: PartitionLagLike | null = null;
    for (const p of list) {
      if (p.timeLagS !== null && (maxTime === null || p.timeLagS > (maxTime.timeLagS ?? 0))) {
        maxTime = p;
      }
    }
    out.push({
      group: head.group,
      topic: head.topic,
      partitions: list.length,
      noCommitPartitions: list.filter((p) => p.committedOffset === null).length,
      maxOffsetLag: Math.max(...list.map((p) => p.offsetLag)),
      sumOffsetLag: list.reduce((a, p) => a + p.offsetLag, 0),
      maxTimeLagS: maxTime?.timeLagS ?? null,
      maxTimeLagEstimated: maxTime?.timeLagEstimated ?? false,
      unknownTimeLagPartitions: list.filter((p) => p.timeLagS === null).length,
      status: worstStatus(list.map((p) => p.status)),
    });
  }
  return out.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic));
}
