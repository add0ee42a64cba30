// Replayed records at the storage stage: a storage-stage failure re-published from the DLQ goes
// only to the sinks its replay headers name (the others stored the event when it first came).
import { createEventRouter, DEFAULT_ROUTING } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { routeBatch } from './batch-routing.ts';
import type { ConsumedRecord } from './storage-record-parser.ts';

const event = (id: string, type: string) => ({
  event_id: id,
  type,
  timestamp: '2026-11-27T10:00:00.000Z',
  timestamp_ms: 1,
  user_id: 'u',
  session_id: 's',
});

const consumed = (offset: number, value: unknown, replay?: ConsumedRecord['replay']) => ({
  topic: 'enriched',
  partition: 0,
  offset: String(offset),
  timestampMs: 1,
  key: null,
  value: Buffer.from(JSON.stringify(value)),
  replay,
});

describe('routeBatch with replayed records', () => {
  it('sends a replay naming its sinks to those alone, and keeps the replay mark on the record', () => {
    const batch = routeBatch(
      [
        consumed(0, event('a', 'error')),
        consumed(1, event('b', 'error'), { job: '1', entry: '7', sinks: ['elasticsearch'] }),
        consumed(2, event('c', 'pageview'), { job: '1', entry: '8' }),
      ],
      {
        kindOf: () => 'event',
        route: createEventRouter(DEFAULT_ROUTING),
        sinks: new Set(['timescaledb', 'elasticsearch', 'redis', 's3']),
      },
    );
    const [p] = batch.partitions;
    const ids = (sink: string) =>
      (p?.bySink.get(sink as 'redis') ?? []).map((r) => (r.data as { event_id: string }).event_id);
    expect(ids('elasticsearch')).toEqual(['a', 'b']);
    expect(ids('redis')).toEqual(['a', 'c']);
    expect(ids('s3')).toEqual(['a', 'c']);
    expect(ids('timescaledb')).toEqual(['c']);
    expect(p?.bySink.get('redis')?.[1]?.replay).toEqual({ job: '1', entry: '8' });
  });
});
