// The event trace through the console, on the real broker and the harness's own schema: a stored
// event's enriched and raw records are found from its row's ingest time (and nothing outside the
// window is read); a failed event's raw record is read at its dead letter's source offset alone;
// Redis is asked about the event's minute; stores the console cannot reach are said to be
// unchecked; a broker that is down is a 503.
import { realtimeKeys } from '@sluice/core';
import {
  dlqEntries,
  dlqReplayJobEntries,
  dlqReplayJobs,
  events,
  writeDlqEntries,
} from '@sluice/db';
import {
  createKafka,
  createProducer,
  createTopicBrowser,
  ensureTopics,
  type TopicBrowser,
} from '@sluice/kafka';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRouterHarness,
  type RouterHarness,
  unreachableTopics,
} from '../router-test-harness.ts';
import { redisTraceStores, searchTraceStores } from '../trace-stores.ts';

const prefix = `${uniqueName('web-trace').replaceAll('_', '-')}.`;
const brokers = testEnv.kafkaBrokers.split(',');
const raw = `${prefix}events.raw`;
const enriched = `${prefix}events.enriched`;
const kafka = createKafka({ brokers, clientId: 'web-trace-test' });
const now = Date.now();
const ev = (id: string) => ({
  event_id: id,
  type: 'pageview',
  timestamp: now,
  user_id: 'u',
  session_id: 's',
});
let topics: TopicBrowser;
let h: RouterHarness;
let down: RouterHarness;

beforeAll(async () => {
  await ensureTopics(kafka, [
    { topic: raw, numPartitions: 2, replicationFactor: -1, configEntries: [] },
    { topic: enriched, numPartitions: 2, replicationFactor: -1, configEntries: [] },
  ]);
  const producer = createProducer(kafka);
  await producer.connect();
  const filler = Array.from({ length: 40 }, (_, i) => ({
    partition: i % 2,
    value: JSON.stringify(ev(`fill-${i}`)),
    timestamp: String(now - 1000),
  }));
  await producer.send({
    topic: raw,
    messages: [
      ...filler,
      { partition: 1, value: JSON.stringify(ev('stored-1')), timestamp: String(now) },
      { partition: 0, value: '{"event_id":"bad-1","ip":"300.1.2.3"}', timestamp: String(now) },
    ],
  });
  await producer.send({
    topic: enriched,
    messages: [
      ...filler,
      {
        partition: 1,
        value: JSON.stringify({ ...ev('stored-1'), geo_status: 'ok' }),
        timestamp: String(now),
      },
    ],
  });
  await producer.disconnect();
  topics = createTopicBrowser(brokers, 'web-trace-test');
  h = await createRouterHarness(undefined, { topics, pipeline: { topicPrefix: prefix } });
  down = await createRouterHarness(undefined, {
    topics: unreachableTopics,
    pipeline: { topicPrefix: prefix },
  });
  for (const x of [h, down])
    await x.db.insert(events).values({
      eventTime: new Date(now),
      eventId: 'stored-1',
      type: 'pageview',
      userId: 'u',
      sessionId: 's',
      ingestedAt: new Date(now + 2000),
    });
  await writeDlqEntries(h.db, [
    {
      topic: `${prefix}events.dlq`,
      partition: 0,
      offset: 0n,
      envelopeValid: true,
      stage: 'enrichment',
      errorClass: 'InvalidEvent',
      errorMessage: 'not an IPv4 or IPv6 address',
      sourceTopic: raw,
      sourcePartition: 0,
      sourceOffset: 20n,
      sourceTimestamp: new Date(now),
      failedAt: new Date(now),
      signature: 'e'.repeat(32),
      signatureText: 'enrichment InvalidEvent',
      eventId: 'bad-1',
      eventType: null,
      headers: {},
    },
  ]);
  // A replay job that sent the entry and saw it fail again.
  const [entry] = await h.db.select({ id: dlqEntries.id }).from(dlqEntries);
  const [job] = await h.db
    .insert(dlqReplayJobs)
    .values({
      createdBy: 'operator@example.test',
      selection: { ids: [entry?.id] },
      target: 'source',
      dryRun: false,
      status: 'done',
    })
    .returning({ id: dlqReplayJobs.id });
  await h.db.insert(dlqReplayJobEntries).values({
    jobId: job?.id as number,
    entryId: entry?.id as number,
    seq: 1,
    state: 'failed-again',
    eventId: 'bad-1',
    targetTopic: raw,
    sentAt: new Date(now + 5000),
  });
}, 60_000);

afterAll(async () => {
  await topics.close();
  await h.close();
  await down.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [raw, enriched] });
  await admin.disconnect();
});

describe('trace', () => {
  it('finds a stored event from its row, reading only the window before its ingest time', async () => {
    const t = await h.viewer.trace.event({ eventId: 'stored-1' });
    expect(t.enriched).toMatchObject({ topic: enriched, partition: 1, offset: 20 });
    expect(t.raw).toMatchObject({ topic: raw, partition: 1, offset: 20 });
    expect(t.stores.timescaledb).toBe(true);
    expect(t.unchecked).toEqual(['elasticsearch', 's3', 'redis']);
    // 42 records in each topic; the window holds them all, so at most both topics are read.
    expect(t.search.records_read).toBeLessThanOrEqual(84);
    expect(t.windows.map((w) => w.size)).toEqual(['1m', '5m', '1h']);
  });

  it("reads a failed event's raw record at its dead letter's source offset alone", async () => {
    const t = await h.viewer.trace.event({ eventId: 'bad-1' });
    expect(t.dlq).toMatchObject([
      {
        stage: 'enrichment',
        source: { topic: raw, offset: '20' },
        replays: [{ state: 'failed-again', targetTopic: raw }],
      },
    ]);
    expect(t.raw).toMatchObject({ partition: 0, offset: 20, value: { event_id: 'bad-1' } });
    expect(t.enriched).toBeNull();
    expect(t.search.records_read).toBe(1);
  });

  // The harness passes no trace stores (the console's are built from its env): the port itself.
  it("tells from Redis whether the event's partition fence passed it", async () => {
    const minute = new Date(now).toISOString().slice(0, 16);
    await h.redis.set(realtimeKeys.fence(h.redisPrefix, enriched, 1), '25');
    await h.redis.hset(realtimeKeys.count(h.redisPrefix, minute), '_all', 1);
    const stores = redisTraceStores(testEnv.redisUrl, h.redisPrefix);
    const r = await stores.redis?.({ topic: enriched, partition: 1, offset: 20, minute });
    expect(r).toMatchObject({
      applied: true,
      fence: '25',
      minuteKeys: [realtimeKeys.count(h.redisPrefix, minute)],
    });
  });

  it('finds the search document by event id, with its event time; none is null', async () => {
    const index = `${prefix.replaceAll('.', '')}-errors`;
    const doc = `${testEnv.searchUrl}/${index}/_doc/err-1?refresh=true`;
    const put = await fetch(doc, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_id: 'err-1', timestamp: new Date(now).toISOString() }),
    });
    expect(put.ok).toBe(true);
    try {
      const stores = searchTraceStores(testEnv.searchUrl, index);
      expect(await stores.searchDocument?.('err-1')).toEqual({ eventTimeMs: now });
      expect(await stores.searchDocument?.('err-2')).toBeNull();
      expect(
        await searchTraceStores(testEnv.searchUrl, `${index}-none`).searchDocument?.('x'),
      ).toBeNull();
    } finally {
      await fetch(`${testEnv.searchUrl}/${index}`, { method: 'DELETE' });
    }
  });

  it('refuses a bad event id and answers 503 when the broker is down', async () => {
    await expect(h.viewer.trace.event({ eventId: 'has space' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const err = await down.viewer.trace.event({ eventId: 'stored-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('SERVICE_UNAVAILABLE');
  });
});
