// Reading a group's offsets for a reset plan, and committing the plan. Kafka refuses to change
// the offsets of a group with members, so the plan applies only to an empty group (a stopped
// stage); the commit is the one a member-less consumer of the group makes, which the broker
// accepts exactly then.
import RdKafka from '@confluentinc/kafka-javascript';
import {
  type PartitionOffsets,
  planOffsetReset,
  type ResetPlan,
  type ResetRow,
  type ResetTarget,
} from '@sluice/core';
import pRetry, { AbortError } from 'p-retry';
import { createKafka, IsolationLevel, type Kafka } from './kafka-client.ts';
import { isCoordinatorNotReady, toError } from './kafka-errors.ts';

/** The group still has members: Kafka would refuse the change. */
export class GroupNotEmptyError extends Error {
  override readonly name = 'GroupNotEmptyError';
  constructor(
    readonly groupId: string,
    readonly members: number,
  ) {
    super(
      `${groupId} has ${members} member${members === 1 ? '' : 's'}: Kafka does not change the offsets of a group that has members. Stop the stage first (its workers leave the group and stay up).`,
    );
  }
}

/** Members of the group now (0 for a group that is empty or unknown). */
export async function groupMembers(kafka: Kafka, groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.members.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

/** Committed, log start and end (last stable) offsets of each partition of the topics. */
export async function readGroupOffsets(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  target: ResetTarget,
): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A group the cluster has not seen yet, or whose coordinator is still loading (a fresh
    // broker), answers "not coordinator" at first: asked again, briefly.
    const committed = await pRetry(
      () =>
        admin.fetchOffsets({ groupId, topics: [...topics] }).catch((err: unknown) => {
          throw isCoordinatorNotReady(err) ? err : new AbortError(toError(err));
        }),
      { retries: 20, minTimeout: 100, maxTimeout: 1000, maxRetryTime: 15_000 },
    );
    const byKey = new Map<string, number>();
    for (const t of committed)
      for (const p of t.partitions) byKey.set(`${t.topic}:${p.partition}`, Number(p.offset));
    const out: PartitionOffsets[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic, {
        isolationLevel: IsolationLevel.READ_COMMITTED,
      });
      const at =
        target.kind === 'timestamp'
          ? new Map(
              (await admin.fetchTopicOffsetsByTimestamp(topic, target.ms)).map((p) => [
                p.partition,
                Number(p.offset),
              ]),
            )
          : undefined;
      for (const e of [...ends].sort((a, b) => a.partition - b.partition)) {
        const c = byKey.get(`${topic}:${e.partition}`);
        const atTs = at?.get(e.partition);
        out.push({
          topic,
          partition: e.partition,
          committed: c === undefined || c < 0 ? null : c,
          low: Number(e.low),
          high: Number(e.high),
          ...(at ? { atTimestamp: atTs === undefined || atTs < 0 ? null : atTs } : {}),
        });
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Commits the plan's offsets for the group; refused (GroupNotEmptyError) while it has members. */
export async function commitGroupOffsets(
  kafka: Kafka,
  brokers: string[],
  groupId: string,
  rows: readonly ResetRow[],
): Promise<void> {
  const members = await groupMembers(kafka, groupId);
  if (members > 0) throw new GroupNotEmptyError(groupId, members);
  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': brokers.join(','),
      'client.id': 'sluice-offset-reset',
      'group.id': groupId,
      'enable.auto.commit': false,
    },
    {},
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(toError(err)) : resolve())),
  );
  try {
    // Never subscribed: no member joins, and the broker takes the commit only while the group
    // is empty (a member that joined meanwhile makes it fail, as it should).
    consumer.commitSync(
      rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next })),
    );
  } catch (err) {
    throw toError(err);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** The console's handle on offset resets: plan (read-only) and apply (an empty group only). */
export interface OffsetResetClient {
  plan(
    groupId: string,
    topics: readonly string[],
    target: ResetTarget,
  ): Promise<ResetPlanWithMembers>;
  apply(groupId: string, rows: readonly ResetRow[]): Promise<void>;
}

export interface ResetPlanWithMembers extends ResetPlan {
  /** Members of the group now: a reset applies only at 0. */
  members: number;
}

export function createOffsetResetClient(brokers: string[]): OffsetResetClient {
  const kafka = createKafka({ brokers, clientId: 'sluice-console-reset', logLevel: 'nothing' });
  return {
    async plan(groupId, topics, target) {
      const [parts, members] = await Promise.all([
        readGroupOffsets(kafka, groupId, topics, target),
        groupMembers(kafka, groupId),
      ]);
      return { ...planOffsetReset(parts, target), members };
    },
    apply: (groupId, rows) => commitGroupOffsets(kafka, brokers, groupId, rows),
  };
}
