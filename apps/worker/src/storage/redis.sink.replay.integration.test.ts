// The Redis sink against the real Redis of the dev stack: a replayed event (replay headers) is
// counted once however often it is replayed, at whatever offsets; ordinary events are counted as
// before, by the partition's offset fence. Keys live under a prefix of the test's own.
import { randomBytes } from 'node:crypto';
import type { EnrichedEvent } from '@sluice/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { createRedisSink, replayMarkerKey } from './redis.sink.ts';
import type { SinkRecord } from './sink.ts';

const url = loadEnv().REDIS_URL;
const prefix = `it-redis-replay-${randomBytes(4).toString('hex')}:`;
const redis = new Redis(url);
const T = Date.parse('2026-11-27T10:15:00Z');

function record(offset: number, id: string, replay?: SinkRecord['replay']): SinkRecord {
  const data = {
    event_id: id,
    type: 'pageview',
    timestamp: new Date(T).toISOString(),
    timestamp_ms: T,
    user_id: `u-${id}`,
    session_id: 's',
    url: 'https://example.com/a',
  };
  return {
    kind: 'event',
    topic: 'events.enriched',
    partition: 0,
    offset: String(offset),
    timestampMs: T,
    key: null,
    value: Buffer.from(JSON.stringify(data)),
    data: data as unknown as EnrichedEvent,
    replay,
  };
}

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('Redis sink and replays', () => {
  it('counts a replayed event once, however many times and at whatever offsets it comes', async () => {
    const sink = createRedisSink({ url, prefix });
    try {
      await sink.write([record(0, 'a'), record(1, 'b')]);
      const mark = { job: '1', entry: '10' };
      await sink.write([record(2, 'x', mark), record(3, 'c')]);
      // The same event again: a second job, and a resend at a later offset.
      await sink.write([record(4, 'x', { job: '2', entry: '10' }), record(5, 'x', mark)]);
      // And the first batch again (an offset reset): the fence skips it.
      await sink.write([record(0, 'a'), record(1, 'b')]);
      const counts = await redis.hgetall(`${prefix}rt:count:2026-11-27T10:15`);
      expect(counts).toMatchObject({ pageview: '4', _all: '4' });
      expect(await redis.ttl(replayMarkerKey(prefix, 'x'))).toBeGreaterThan(0);
    } finally {
      await sink.close();
    }
  });
});
