// Against the real broker of the local stack (KAFKA_BROKERS): transactions are atomic and
// visible only when committed to read_committed consumers, and offsets sent inside a
// transaction are committed with it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerList, loadEnv } from '../env.ts';
import {
  type Consumer,
  createExactlyOnceConsumer,
  createKafka,
  createTransactionalProducer,
  type Kafka,
} from './kafka-client.ts';
import { ensureTopics } from './topic-admin.ts';

const env = loadEnv();
const run = randomUUID().slice(0, 8);
const input = `it-tx-in-${run}`;
const output = `it-tx-out-${run}`;
let kafka: Kafka;

async function readAll(consumer: Consumer, topic: string, expected: number, timeoutMs = 20_000) {
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString() ?? '');
        if (seen.length >= expected) resolve();
      },
    });
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
  // Wait a little longer: anything beyond `expected` would be a visible aborted record.
  await new Promise((r) => setTimeout(r, 1500));
  await consumer.disconnect();
  return seen;
}

beforeAll(async () => {
  kafka = createKafka({ brokers: brokerList(env), clientId: 'it-tx' });
  const spec = (topic: string) => ({
    topic,
    numPartitions: 3,
    replicationFactor: 1,
    configEntries: [],
  });
  await ensureTopics(kafka, [spec(input), spec(output)]);
}, 60_000);

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [input, output] }).catch(() => {});
  await admin.disconnect();
});

describe('Kafka transactions', () => {
  it('a committed transaction is visible to read_committed consumers, an aborted one is not', async () => {
    const producer = createTransactionalProducer(kafka, `it-tx-${run}-a`);
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({
      topic: output,
      messages: ['c1', 'c2', 'c3'].map((v) => ({ key: v, value: v })),
    });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({
      topic: output,
      messages: ['a1', 'a2'].map((v) => ({ key: v, value: v })),
    });
    await aborted.abort();
    await producer.disconnect();

    const seen = await readAll(createExactlyOnceConsumer(kafka, `it-rc-${run}`), output, 3);
    expect(seen.sort()).toEqual(['c1', 'c2', 'c3']);
  }, 60_000);

  it('offsets sent in a transaction commit with it, and not when it aborts', async () => {
    const seed = createTransactionalProducer(kafka, `it-tx-${run}-seed`);
    await seed.connect();
    const t = await seed.transaction();
    await t.send({ topic: input, messages: [{ key: 'k', value: 'in-1', partition: 0 }] });
    await t.commit();
    await seed.disconnect();

    const group = `it-eos-${run}`;
    const consumer = createExactlyOnceConsumer(kafka, group);
    const producer = createTransactionalProducer(kafka, `it-tx-${run}-b`);
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topics: [input] });
    const processed = new Promise<void>((resolve, reject) => {
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          try {
            const next = String(Number(message.offset) + 1);
            // First an aborted attempt, then a committed one, as a retry after a fault would do.
            const first = await producer.transaction();
            await first.send({ topic: output, messages: [{ value: 'lost' }] });
            await first.sendOffsets({
              consumer,
              topics: [{ topic, partitions: [{ partition, offset: next }] }],
            });
            await first.abort();
            const second = await producer.transaction();
            await second.send({ topic: output, messages: [{ value: `out-of-${message.value}` }] });
            await second.sendOffsets({
              consumer,
              topics: [{ topic, partitions: [{ partition, offset: next }] }],
            });
            await second.commit();
            resolve();
          } catch (err) {
            reject(err);
          }
        },
      });
    });
    await processed;
    await consumer.disconnect();
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
    await admin.disconnect();
    const p0 = offsets[0]?.partitions.find((p) => p.partition === 0);
    expect(p0?.offset).toBe('1');

    const seen = await readAll(createExactlyOnceConsumer(kafka, `it-rc2-${run}`), output, 4);
    expect(seen.filter((v) => v === 'lost')).toEqual([]);
    expect(seen).toContain('out-of-in-1');
  }, 60_000);
});
