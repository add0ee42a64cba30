// Reads one lag snapshot from the cluster: every consumer group, its members and committed
// offsets, the partitions it consumes without a commit, and the log start and last stable offset
// of every partition those groups consume (plus the pipeline topics, for throughput). Failures are
// returned as values so one bad group or topic does not cost the whole poll.
import type { GroupOffsets, LagSnapshot, PartitionOffset } from '@sluice/core';
import { type Admin, IsolationLevel } from './kafka-client.ts';

// The last stable offset, not the high watermark: records of open transactions are invisible
// to read_committed consumers and are not lag yet.
const READ_COMMITTED = IsolationLevel.READ_COMMITTED;

export interface ReadOptions {
  /** Only these groups (default: every group the cluster lists). */
  groups?: readonly string[];
  /** Topics whose end offsets are read even when no group consumes them (if they exist). */
  extraTopics?: readonly string[];
  timeoutMs?: number;
  now: () => number;
}

export interface SnapshotRead {
  snapshot: LagSnapshot;
  errors: string[];
}

export async function readLagSnapshot(admin: Admin, options: ReadOptions): Promise<SnapshotRead> {
  const timeout = options.timeoutMs ?? 10_000;
  const errors: string[] = [];
  const listed = await admin.listGroups({ timeout });
  for (const e of listed.errors) errors.push(`listGroups: ${e.message}`);
  const wanted = options.groups ? new Set(options.groups) : null;
  // Groups without the consumer protocol (Connect workers, schema registry) commit no offsets.
  const ids = listed.groups
    .filter((g) =>
      wanted ? wanted.has(g.groupId) : g.protocolType === 'consumer' || g.protocolType === '',
    )
    .map((g) => g.groupId)
    .sort();

  const members = new Map<string, number>();
  // What members are assigned: the only place a group that has committed nothing yet shows which
  // partitions it consumes (the broker lists committed offsets only).
  const assigned = new Map<string, { topic: string; partition: number }[]>();
  if (ids.length > 0) {
    const described = await admin.describeGroups(ids, { timeout });
    for (const g of described.groups) {
      if (g.error) errors.push(`describeGroups ${g.groupId}: ${g.error.message}`);
      members.set(g.groupId, g.members.length);
      assigned.set(
        g.groupId,
        g.members.flatMap((m) =>
          (m.assignment?.topicPartitions ?? []).map((tp) => ({
            topic: tp.topic,
            partition: tp.partition,
          })),
        ),
      );
    }
  }

  const groups: GroupOffsets[] = [];
  await Promise.all(
    ids.map(async (groupId) => {
      try {
        const topics = await admin.fetchOffsets({ groupId, timeout });
        const committed: PartitionOffset[] = [];
        // -1: listed, but nothing committed yet. Such partitions, and assigned ones the broker
        // does not list, are consumed without a commit: their lag counts from the log start.
        const listedWithout: { topic: string; partition: number }[] = [];
        for (const t of topics) {
          for (const p of t.partitions) {
            if (p.error) continue;
            const offset = Number(p.offset);
            if (offset >= 0) committed.push({ topic: t.topic, partition: p.partition, offset });
            else listedWithout.push({ topic: t.topic, partition: p.partition });
          }
        }
        const seen = new Set(committed.map((c) => `${c.topic}\u0000${c.partition}`));
        const uncommitted: { topic: string; partition: number }[] = [];
        for (const tp of [...listedWithout, ...(assigned.get(groupId) ?? [])]) {
          const key = `${tp.topic}\u0000${tp.partition}`;
          if (seen.has(key)) continue;
          seen.add(key);
          uncommitted.push(tp);
        }
        groups.push({ groupId, members: members.get(groupId) ?? 0, committed, uncommitted });
      } catch (err) {
        errors.push(`fetchOffsets ${groupId}: ${(err as Error).message}`);
      }
    }),
  );
  groups.sort((a, b) => a.groupId.localeCompare(b.groupId));

  const topics = new Set(
    groups.flatMap((g) => [...g.committed, ...(g.uncommitted ?? [])].map((c) => c.topic)),
  );
  if (options.extraTopics?.length) {
    const existing = new Set(await admin.listTopics({ timeout }));
    for (const t of options.extraTopics) if (existing.has(t)) topics.add(t);
  }
  const endOffsets: PartitionOffset[] = [];
  const startOffsets: PartitionOffset[] = [];
  await Promise.all(
    [...topics].map(async (topic) => {
      try {
        const offsets = await admin.fetchTopicOffsets(topic, {
          timeout,
          isolationLevel: READ_COMMITTED,
        });
        for (const o of offsets) {
          endOffsets.push({ topic, partition: o.partition, offset: Number(o.offset) });
          // The earliest offset still in the log: where a group without a commit starts.
          startOffsets.push({ topic, partition: o.partition, offset: Number(o.low) });
        }
      } catch (err) {
        errors.push(`fetchTopicOffsets ${topic}: ${(err as Error).message}`);
      }
    }),
  );
  // The time of the end offsets is the time of the table points: read after them, so a commit
  // read earlier can never be ahead of the end it is compared with.
  return { snapshot: { atMs: options.now(), endOffsets, startOffsets, groups }, errors };
}
