// Topics and the message browser through the console, against a topic of their own on the real
// broker: the listing's partitions, replication and size; pages newest first by offset and by
// time; key, headers and value shown as JSON, text or hex; the operator role for messages;
// bad input refused; a broker that is down is a 503.
import {
  createKafka,
  createProducer,
  createTopicBrowser,
  ensureTopics,
  type TopicBrowser,
} from '@sluice/kafka';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeOf,
  createRouterHarness,
  type RouterHarness,
  unreachableTopics,
} from '../router-test-harness.ts';

const prefix = `${uniqueName('web-topics').replaceAll('_', '-')}.`;
const brokers = testEnv.kafkaBrokers.split(',');
const topic = `${prefix}browse`;
const kafka = createKafka({ brokers, clientId: 'web-topics-test' });
const T0 = Date.parse('2026-11-30T06:00:00.000Z');
let topics: TopicBrowser;
let h: RouterHarness;
let down: RouterHarness;

beforeAll(async () => {
  await ensureTopics(kafka, [
    {
      topic,
      numPartitions: 2,
      replicationFactor: -1,
      configEntries: [
        { name: 'retention.ms', value: '3600000' },
        { name: 'retention.bytes', value: '1048576' },
      ],
    },
  ]);
  const producer = createProducer(kafka);
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      ...Array.from({ length: 30 }, (_, i) => ({
        partition: 0,
        key: `s${i}`,
        value: JSON.stringify({ event_id: `e${i}`, n: i }),
        timestamp: String(T0 + i * 1000),
        headers: { 'sluice.stage': 'enrichment' },
      })),
      { partition: 1, key: null, value: Buffer.from([0xff, 0x00, 0xfe]), timestamp: String(T0) },
      { partition: 1, key: 'k', value: 'plain text', timestamp: String(T0 + 1) },
    ],
  });
  await producer.disconnect();
  topics = createTopicBrowser(brokers, 'web-topics-test');
  h = await createRouterHarness(undefined, { topics, pipeline: { topicPrefix: prefix } });
  down = await createRouterHarness(undefined, { topics: unreachableTopics });
}, 60_000);

afterAll(async () => {
  await topics.close();
  await h.close();
  await down.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
});

describe('topics', () => {
  it('lists the topic with its retention, cleanup policy and bytes on disk', async () => {
    const t = (await h.viewer.topics.list()).find((x) => x.name === topic);
    expect(t).toMatchObject({
      retentionMs: 3_600_000,
      retentionBytes: 1_048_576,
      cleanupPolicy: 'delete',
    });
    // 32 small records in a log of its own: more than nothing, less than a segment's index.
    expect(t?.sizeBytes).toBeGreaterThan(32 * 20);
    expect(t?.sizeBytes).toBeLessThan(1_048_576);
    const control = (await h.viewer.topics.list()).find((x) => x.cleanupPolicy === 'compact');
    expect(control, 'a compacted topic (the control channel, __consumer_offsets)').toBeDefined();
  });

  it('lists the topic with its partitions, replication and size', async () => {
    const list = await h.viewer.topics.list();
    const t = list.find((x) => x.name === topic);
    expect(t).toMatchObject({ partitions: 2, pipeline: false, underReplicated: 0 });
    expect(t?.replication).toBeGreaterThanOrEqual(1);
    expect(t?.offsets).toBe(32);
    expect(t?.end).toBe(32);
    expect(list.find((x) => x.name === '__consumer_offsets')?.internal).toBe(true);
    const d = await h.viewer.topics.describe({ topic });
    expect(d.partitionDetails.map((p) => [p.partition, p.low, p.high])).toEqual([
      [0, 0, 30],
      [1, 0, 2],
    ]);
  });

  it('pages newest first, then older by offset, and from a time', async () => {
    const latest = await h.operator.topics.messages({ topic, partition: 0, limit: 10 });
    expect(latest.records.map((r) => r.offset)).toEqual([29, 28, 27, 26, 25, 24, 23, 22, 21, 20]);
    expect(latest.records[0]).toMatchObject({
      timestamp: new Date(T0 + 29_000).toISOString(),
      key: { kind: 'text', text: 's29' },
      headers: [{ name: 'sluice.stage', value: { kind: 'text', text: 'enrichment' } }],
      value: { kind: 'json', json: { event_id: 'e29', n: 29 } },
    });
    const older = await h.operator.topics.messages({
      topic,
      partition: 0,
      mode: 'before',
      offset: latest.from,
      limit: 10,
    });
    expect(older.records.map((r) => r.offset)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    const byTime = await h.operator.topics.messages({
      topic,
      partition: 0,
      mode: 'time',
      time: new Date(T0 + 5_500).toISOString(),
      limit: 3,
    });
    expect(byTime.records.map((r) => r.offset)).toEqual([8, 7, 6]);
  });

  it('shows bytes that are not UTF-8 as hex and text as text', async () => {
    const page = await h.operator.topics.messages({ topic, partition: 1 });
    expect(page.records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [1, { kind: 'text', text: 'k' }, { kind: 'text', text: 'plain text', bytes: 10 }],
      [0, null, { kind: 'hex', hex: 'ff00fe', bytes: 3, cut: false }],
    ]);
  });

  it('keeps messages for operators and refuses bad input plainly', async () => {
    expect(await codeOf(h.viewer.topics.messages({ topic, partition: 0 }))).toBe('FORBIDDEN');
    expect(await codeOf(h.operator.topics.messages({ topic, partition: 0, limit: 500 }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(h.operator.topics.messages({ topic: 'a b', partition: 0 }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(h.operator.topics.messages({ topic, partition: 0, mode: 'before' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(h.operator.topics.messages({ topic, partition: 7 }))).toBe('NOT_FOUND');
    expect(await codeOf(h.viewer.topics.describe({ topic: `${prefix}none` }))).toBe('NOT_FOUND');
  });

  it('answers 503 when the broker is down', async () => {
    expect(await codeOf(down.viewer.topics.list())).toBe('SERVICE_UNAVAILABLE');
    expect(await codeOf(down.operator.topics.messages({ topic, partition: 0 }))).toBe(
      'SERVICE_UNAVAILABLE',
    );
  });
});
