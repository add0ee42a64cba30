// Reads one lag snapshot from the cluster: every consumer group, its members and committed
// offsets, and the last stable offset of every partition those groups consume (plus the pipeline
// topics, for throughput). Failures are returned as values so one bad group or topic does not
// cost the whole poll.
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
  if (ids.length > 0) {
    const described = await admin.describeGroups(ids, { timeout });
    for (const g of described.groups) {
      if (g.error) errors.push(`describeGroups ${g.groupId}: ${g.error.message}`);
      members.set(g.groupId, g.members.length);
    }
  }

  const groups: GroupOffsets[] = [];
  await Promise.all(
    ids.map(async (groupId) => {
      try {
        const topics = await admin.fetchOffsets({ groupId, timeout });
        const committed: PartitionOffset[] = [];
        for (const t of topics) {
          for (const p of t.partitions) {
            // -1: no commit for this partition yet; there is no position to measure lag from.
            const offset = Number(p.offset);
            if (p.error || !(offset >= 0)) continue;
            committed.push({ topic: t.topic, partition: p.partition, offset });
          }
        }
        groups.push({ groupId, members: members.get(groupId) ?? 0, committed });
      } catch (err) {
        errors.push(`fetchOffsets ${groupId}: ${(err as Error).message}`);
      }
    }),
  );
  groups.sort((a, b) => a.groupId.localeCompare(b.groupId));

  const topics = new Set(groups.flatMap((g) => g.committed.map((c) => c.topic)));
  if (options.extraTopics?.length) {
    const existing = new Set(await admin.listTopics({ timeout }));
    for (const t of options.extraTopics) if (existing.has(t)) topics.add(t);
  }
  const endOffsets: PartitionOffset[] = [];
  await Promise.all(
    [...topics].map(async (topic) => {
      try {
        const offsets = await admin.fetchTopicOffsets(topic, {
          timeout,
          isolationLevel: READ_COMMITTED,
        });
        for (const o of offsets)
          endOffsets.push({ topic, partition: o.partition, offset: Number(o.offset) });
      } catch (err) {
        errors.push(`fetchTopicOffsets ${topic}: ${(err as Error).message}`);
      }
    }),
  );
  // The time of the end offsets is the time of the table points: read after them, so a commit
  // read earlier can never be ahead of the end it is compared with.
  return { snapshot: { atMs: options.now(), endOffsets, groups }, errors };
}
