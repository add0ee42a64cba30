import {
  createEventRouter,
  createOffsetTracker,
  DEFAULT_ROUTING,
  type TopicPartition,
} from '@sluice/core';
import type { ConsumedMessage, StageContext } from '@sluice/kafka';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RejectedRecord } from './batch-routing.ts';
import { createEndToEndLatency } from './end-to-end-latency.ts';
import type { SinkRecord } from './sink.ts';
import { createStorageMetrics } from './storage-metrics.ts';
import { createStorageStage } from './storage-stage.ts';

const E = 'events.enriched';
const tp = (partition: number, topic = E): TopicPartition => ({ topic, partition });
const k = (t: TopicPartition) => `${t.topic}[${t.partition}]`;

function fakeRunner(name: string) {
  const enqueued: { id: number; offsets: string[] }[] = [];
  let pending = 0;
  return {
    name,
    enqueued,
    enqueue(records: readonly SinkRecord[], id: number) {
      enqueued.push({ id, offsets: records.map((r) => r.offset) });
      pending += records.length;
    },
    pending: () => pending,
    setPending(n: number) {
      pending = n;
    },
    isUp: () => true,
  };
}

function setup(maxPending = 1000) {
  const runners = ['timescaledb', 'elasticsearch', 'redis', 's3'].map(fakeRunner);
  const [pg, es, redis, s3] = runners as [
    (typeof runners)[0],
    (typeof runners)[0],
    (typeof runners)[0],
    (typeof runners)[0],
  ];
  const tracker = createOffsetTracker();
  const latencies: number[][] = [];
  const latency = createEndToEndLatency((t) => latencies.push([...t]));
  const calls: string[] = [];
  const counted: Record<string, number> = {};
  const dlq = {
    rejected: async (rs: readonly RejectedRecord[]) => {
      calls.push(`dlq:${rs.length} segments:${tracker.pendingSegments()}`);
    },
  };
  const storage = createStorageStage({
    kinds: new Map([
      [E, 'event'],
      ['aggregates', 'aggregate'],
    ]),
    router: () => createEventRouter(DEFAULT_ROUTING),
    runners,
    tracker,
    latency,
    dlq,
    maxPending,
    metrics: createStorageMetrics(new Registry()),
    count: (metric, n) => {
      counted[metric] = (counted[metric] ?? 0) + n;
    },
    log: () => {},
  });
  const owned: TopicPartition[] = [];
  const paused = new Set<string>();
  const ctx: StageContext = {
    assignment: () => [...owned],
    committed: () => undefined,
    committedToken: () => undefined,
    pause: (tps) => {
      for (const t of tps) paused.add(k(t));
    },
    resume: (tps) => {
      for (const t of tps) paused.delete(k(t));
    },
  };
  /** What the sinks' runners report once they wrote a segment. */
  const durable = (sink: { name: string; enqueued: { id: number }[] }) => {
    for (const { id } of sink.enqueued.splice(0)) {
      tracker.done(id, sink.name);
      latency.durable(id, sink.name);
    }
  };
  const assign = async (...tps: TopicPartition[]) => {
    owned.push(...tps);
    await storage.stage.assigned?.(tps, ctx);
  };
  const commit = (positions: { topic: string; partition: number; offset: number }[] = []) =>
    storage.stage.durableOffsets?.(positions) ?? [];
  return {
    storage,
    ctx,
    pg,
    es,
    redis,
    s3,
    tracker,
    latencies,
    calls,
    counted,
    paused,
    durable,
    assign,
    commit,
  };
}

let ts = 1_000;
const event = (partition: number, offset: number, type: string, topic = E): ConsumedMessage =>
  ({
    topic,
    partition,
    offset,
    timestamp: ts++,
    key: null,
    size: 0,
    value: Buffer.from(
      JSON.stringify({
        event_id: `${partition}-${offset}`,
        type,
        timestamp: '2026-11-27T10:00:00.000Z',
        timestamp_ms: 1,
        user_id: 'u',
        session_id: 's',
      }),
    ),
  }) as ConsumedMessage;

describe('createStorageStage', () => {
  it('commits each partition only up to what every sink its records went to made durable', async () => {
    const s = setup();
    await s.assign(tp(0), tp(1));
    await s.storage.stage.process(
      [event(0, 0, 'pageview'), event(1, 0, 'signup'), event(0, 1, 'error')],
      s.ctx,
    );
    expect(s.pg.enqueued.map((e) => e.offsets)).toEqual([['0']]);
    expect(s.es.enqueued.map((e) => e.offsets)).toEqual([['1']]);
    expect(s.commit()).toEqual([
      { topic: E, partition: 0, offset: 0 },
      { topic: E, partition: 1, offset: 0 },
    ]);
    s.durable(s.redis);
    s.durable(s.s3);
    s.durable(s.pg);
    // Partition 1 went to Redis and the archive only; partition 0 still waits for Elasticsearch.
    expect(s.commit()).toEqual([
      { topic: E, partition: 0, offset: 0 },
      { topic: E, partition: 1, offset: 1 },
    ]);
    s.durable(s.es);
    const all = s.commit();
    expect(all).toEqual([
      { topic: E, partition: 0, offset: 2 },
      { topic: E, partition: 1, offset: 1 },
    ]);
    s.storage.stage.markCommitted?.(all);
    expect(s.commit()).toEqual([]);
    // Each event's latency once, when it was queryable.
    expect(s.latencies.flat().length).toBe(3);
  });

  it('counts records in, stored and dead-lettered once their offsets are committed, never on a revoked partition', async () => {
    const s = setup();
    await s.assign(tp(0), tp(1));
    const bad = { ...event(0, 0, 'pageview'), value: Buffer.from('{') } as ConsumedMessage;
    await s.storage.stage.process([bad, event(0, 1, 'signup'), event(1, 0, 'signup')], s.ctx);
    await s.storage.stage.process([event(0, 2, 'signup')], s.ctx);
    expect(s.counted).toEqual({});
    // Only partition 0's first segment (offsets 0-1) is committed.
    s.storage.stage.markCommitted?.([{ topic: E, partition: 0, offset: 2 }]);
    expect(s.counted).toEqual({ in: 2, out: 1, dlq: 1 });
    // Partition 1 moves away uncommitted: its next owner counts it.
    await s.storage.stage.revoked?.([tp(1)]);
    s.storage.stage.markCommitted?.([
      { topic: E, partition: 0, offset: 3 },
      { topic: E, partition: 1, offset: 1 },
    ]);
    expect(s.counted).toEqual({ in: 3, out: 2, dlq: 1 });
  });

  it('dead-letters unreadable records before the batch counts as taken, and commits past them', async () => {
    const s = setup();
    await s.assign(tp(0));
    const bad = { ...event(0, 0, 'pageview'), value: Buffer.from('{') } as ConsumedMessage;
    await s.storage.stage.process([bad, event(0, 1, 'signup')], s.ctx);
    expect(s.calls).toEqual(['dlq:1 segments:0']);
    s.durable(s.redis);
    s.durable(s.s3);
    expect(s.commit()).toEqual([{ topic: E, partition: 0, offset: 2 }]);
  });

  it('commits the position of a caught-up partition, past a transaction marker', async () => {
    const s = setup();
    await s.assign(tp(0));
    await s.storage.stage.process([event(0, 0, 'signup')], s.ctx);
    // Offset 1 is the commit marker: the consumer's position is 2.
    expect(s.commit([{ topic: E, partition: 0, offset: 2 }])).toEqual([
      { topic: E, partition: 0, offset: 0 },
    ]);
    s.durable(s.redis);
    s.durable(s.s3);
    expect(s.commit([{ topic: E, partition: 0, offset: 2 }])).toEqual([
      { topic: E, partition: 0, offset: 2 },
    ]);
  });

  it('pauses what a full sink holds back, and a partition assigned meanwhile before it is read', async () => {
    const s = setup(100);
    await s.assign(tp(0), tp(1), tp(0, 'aggregates'));
    await s.storage.stage.process([event(0, 0, 'pageview'), event(1, 0, 'error')], s.ctx);
    expect([...s.paused]).toEqual([]);
    s.pg.setPending(100);
    await s.storage.stage.tick?.([], s.ctx);
    // What PostgreSQL holds back, and the aggregates partition nothing was read of yet (its
    // records go to PostgreSQL); partition 1 holds nothing for PostgreSQL and reads on.
    expect([...s.paused].sort()).toEqual(['aggregates[0]', `${E}[0]`]);
    // Assigned while PostgreSQL is full: paused before its first batch, whatever an earlier
    // ownership left paused or not.
    await s.assign(tp(2));
    expect([...s.paused].sort()).toEqual(['aggregates[0]', `${E}[0]`, `${E}[2]`]);
    // PostgreSQL drained, Elasticsearch full: the aggregates partition never feeds it.
    s.pg.setPending(0);
    s.es.setPending(500);
    await s.storage.stage.tick?.([], s.ctx);
    expect([...s.paused].sort()).toEqual([`${E}[1]`, `${E}[2]`]);
    // Written: everything resumes.
    s.pg.setPending(0);
    s.es.setPending(0);
    await s.storage.stage.tick?.([], s.ctx);
    expect([...s.paused]).toEqual([]);
  });

  it('forgets a partition given up: nothing of it is committed or counted here again', async () => {
    const s = setup();
    await s.assign(tp(0));
    await s.storage.stage.process([event(0, 0, 'signup')], s.ctx);
    await s.storage.stage.revoked?.([tp(0)]);
    s.durable(s.redis);
    s.durable(s.s3);
    expect(s.commit()).toEqual([]);
    expect(s.latencies).toEqual([]);
  });

  it('after stopReading, pauses every partition and leaves later batches unread and uncommitted', async () => {
    const s = setup();
    await s.assign(tp(0), tp(1));
    await s.storage.stage.process([event(0, 0, 'signup'), event(1, 0, 'signup')], s.ctx);
    s.storage.stopReading();
    expect([...s.paused].sort()).toEqual([`${E}[0]`, `${E}[1]`]);
    await s.storage.stage.process([event(0, 1, 'signup')], s.ctx);
    expect(s.redis.enqueued.flatMap((e) => e.offsets)).toEqual(['0', '0']);
    s.durable(s.redis);
    s.durable(s.s3);
    // Partition 0's position is past the record left unread: its commit stays before it.
    expect(
      s.commit([
        { topic: E, partition: 0, offset: 2 },
        { topic: E, partition: 1, offset: 2 },
      ]),
    ).toEqual([
      { topic: E, partition: 0, offset: 1 },
      { topic: E, partition: 1, offset: 2 },
    ]);
  });
});
