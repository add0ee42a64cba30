// An independent reader for the suites: reads a topic from the beginning with read_committed,
// as downstream consumers do, to check what a stage really committed.
import { type Admin, createKafka, IsolationLevel, isCoordinatorNotReady } from '@sluice/kafka';
import pRetry, { AbortError } from 'p-retry';
import { testEnv } from '../env.ts';

export interface ReadRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

export const kafka = createKafka({
  brokers: testEnv.kafkaBrokers.split(','),
  clientId: 'sluice-it',
  logLevel: 'error',
});

// One admin client per test process, connected on first use and closed after each file (the
// setup file's afterAll). The suites poll lag several times a second; creating and destroying a
// librdkafka client per call at that rate once took a test process down with it.
let shared: Promise<Admin> | undefined;

function admin(): Promise<Admin> {
  shared ??= (async () => {
    const a = kafka.admin();
    await a.connect();
    return a;
  })().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

export async function closeKafkaReader(): Promise<void> {
  const a = shared;
  shared = undefined;
  if (a) await (await a).disconnect();
}

/** Sum over partitions of the last stable offset (what read_committed readers can reach). */
export async function committedEndOffset(topic: string): Promise<number> {
  const offsets = await (await admin()).fetchTopicOffsets(topic, {
    isolationLevel: IsolationLevel.READ_COMMITTED,
  });
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/**
 * Read every committed record of `topic`: stops once `expected` records arrived and no more came
 * for `settleMs` (anything beyond `expected` would be a duplicate), or at the timeout.
 */
export async function readTopic(
  topic: string,
  expected: number,
  { timeoutMs = 60_000, settleMs = 2000 } = {},
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({
    kafkaJS: {
      groupId: `it-reader-${Date.now()}-${Math.random()}`,
      fromBeginning: true,
      autoCommit: false,
    },
    'isolation.level': 'read_committed',
  });
  const records: ReadRecord[] = [];
  let lastArrival = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  void consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      records.push({
        key: message.key?.toString() ?? null,
        value: message.value,
        headers,
        partition,
        offset: message.offset,
      });
      lastArrival = Date.now();
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (
    Date.now() < deadline &&
    !(records.length >= expected && Date.now() - lastArrival > settleMs)
  ) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();
  return records;
}

/**
 * Total lag of a consumer group on a topic: last stable offsets (what read_committed readers
 * can reach) minus committed offsets; a partition with no commit counts from its start.
 */
export async function groupLag(group: string, topic: string): Promise<number> {
  const a = await admin();
  const ends = await a.fetchTopicOffsets(topic, { isolationLevel: IsolationLevel.READ_COMMITTED });
  // A group the cluster has not seen yet, or whose coordinator is still loading (a new broker),
  // answers "not coordinator" at first.
  const committed = await pRetry(
    () =>
      a.fetchOffsets({ groupId: group, topics: [topic] }).catch((err: unknown) => {
        throw isCoordinatorNotReady(err) ? err : new AbortError(err as Error);
      }),
    { retries: 10, minTimeout: 200, maxTimeout: 1000 },
  );
  const byPartition = new Map(
    committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
  );
  return ends.reduce((sum, p) => {
    const c = byPartition.get(p.partition) ?? -1;
    return sum + Number(p.high) - (c < 0 ? Number(p.low) : c);
  }, 0);
}

/** Deletes a suite's topics (every topic under its prefix). */
export async function deletePrefixedTopics(prefix: string): Promise<void> {
  const a = await admin();
  const topics = (await a.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await a.deleteTopics({ topics });
}

/** Deletes consumer groups (a replay from the start). */
export async function deleteGroups(groups: string[]): Promise<void> {
  await (await admin()).deleteGroups(groups);
}

export interface GroupMember {
  clientId: string;
  /** How many partitions the member is assigned. */
  partitions: number;
}

/** The members of a consumer group as the broker describes it now (none for an empty group). */
export async function groupMembers(group: string): Promise<GroupMember[]> {
  const { groups } = await (await admin()).describeGroups([group]);
  return (groups[0]?.members ?? []).map((m) => ({
    clientId: m.clientId,
    partitions: (m.assignment?.topicPartitions ?? []).length,
  }));
}
