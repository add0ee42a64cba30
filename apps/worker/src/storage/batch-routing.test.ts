import { createEventRouter, DEFAULT_ROUTING, type Destination } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { type BatchRouting, routeBatch } from './batch-routing.ts';
import type { ConsumedRecord } from './storage-record-parser.ts';

const kinds = new Map([
  ['enriched', 'event'],
  ['aggregates', 'aggregate'],
] as const);

const routing = (
  sinks: Destination[] = ['timescaledb', 'elasticsearch', 'redis', 's3'],
): BatchRouting => ({
  kindOf: (topic) => kinds.get(topic as 'enriched'),
  route: createEventRouter(DEFAULT_ROUTING),
  sinks: new Set(sinks),
});

let offset = 0;
const consumed = (
  topic: string,
  partition: number,
  value: unknown,
  timestampMs = 1,
): ConsumedRecord => ({
  topic,
  partition,
  offset: String(offset++),
  timestampMs,
  key: null,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});

const event = (id: string, type: string) => ({
  event_id: id,
  type,
  timestamp: '2026-11-27T10:00:00.000Z',
  timestamp_ms: 1,
  user_id: 'u',
  session_id: 's',
});

const aggregate = {
  window_size: '1m',
  window_start: '2026-11-27T10:00:00.000Z',
  window_end: '2026-11-27T10:01:00.000Z',
  type: 'pageview',
  dimensions: '',
  source_partition: 0,
  count: 10,
  unique_users: 3,
  unique_users_sketch: Buffer.from('sketch').toString('base64'),
  late_accepted: 0,
  late_dropped: 0,
  final: true,
};

const ids = (records: readonly { data: unknown }[] | undefined) =>
  (records ?? []).map((r) => (r.data as { event_id?: string }).event_id ?? 'aggregate');

describe('routeBatch', () => {
  it('sends each event to the sinks its rules name, per partition in offset order', () => {
    offset = 100;
    const batch = [
      consumed('enriched', 0, event('a', 'pageview'), 10),
      consumed('enriched', 1, event('b', 'error'), 20),
      consumed('enriched', 0, event('c', 'signup'), 30),
      consumed('enriched', 0, event('d', 'click'), 40),
    ];
    const r = routeBatch(batch, routing());
    expect(r.rejected).toEqual([]);
    expect(r.partitions.map((p) => [p.partition, p.firstOffset, p.lastOffset])).toEqual([
      [0, '100', '103'],
      [1, '101', '101'],
    ]);
    const [p0, p1] = r.partitions;
    expect(p0?.timestampsMs).toEqual([10, 30, 40]);
    expect(ids(p0?.bySink.get('timescaledb'))).toEqual(['a', 'd']);
    expect(ids(p0?.bySink.get('redis'))).toEqual(['a', 'c', 'd']);
    expect(ids(p0?.bySink.get('s3'))).toEqual(['a', 'c', 'd']);
    expect(p0?.bySink.has('elasticsearch')).toBe(false);
    expect(ids(p1?.bySink.get('elasticsearch'))).toEqual(['b']);
    expect([...(p1?.bySink.keys() ?? [])].sort()).toEqual(['elasticsearch', 'redis', 's3']);
    // Counted once per record, however many sinks it goes to.
    expect([p0?.routed, p0?.rejected, p1?.routed, p1?.rejected]).toEqual([3, 0, 1, 0]);
  });

  it('sends aggregates and sessions to TimescaleDB only', () => {
    const r = routeBatch([consumed('aggregates', 2, aggregate)], routing());
    expect([...(r.partitions[0]?.bySink.keys() ?? [])]).toEqual(['timescaledb']);
    expect(r.partitions[0]?.kind).toBe('aggregate');
  });

  it('rejects unreadable records with their reason, yet keeps them in their partition segment', () => {
    offset = 7;
    const bad = consumed('enriched', 3, '{not json', 5);
    const r = routeBatch([bad, consumed('enriched', 3, event('x', 'pageview'), 6)], routing());
    expect(r.rejected).toEqual([
      { record: bad, reason: 'invalid_json', message: expect.any(String) },
    ]);
    // The segment spans the rejected record: its offset is committed once the DLQ has it.
    expect(r.partitions[0]).toMatchObject({
      firstOffset: '7',
      lastOffset: '8',
      timestampsMs: [5, 6],
      routed: 1,
      rejected: 1,
    });
    expect(ids(r.partitions[0]?.bySink.get('timescaledb'))).toEqual(['x']);
  });

  it('skips destinations this worker runs no sink for; a partition may go nowhere', () => {
    const r = routeBatch([consumed('enriched', 0, event('a', 'pageview'))], routing(['s3']));
    expect([...(r.partitions[0]?.bySink.keys() ?? [])]).toEqual(['s3']);
    const none = routeBatch(
      [consumed('enriched', 0, event('b', 'pageview'))],
      routing(['elasticsearch']),
    );
    expect(none.partitions[0]?.bySink.size).toBe(0);
    expect(none.partitions[0]?.routed).toBe(0);
  });

  it('treats a record of a topic it was not given as a bug', () => {
    expect(() => routeBatch([consumed('elsewhere', 0, {})], routing())).toThrow(/elsewhere/);
  });
});
