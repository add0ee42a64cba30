// The Redis-fed procedures against a real Redis: keys are written under the harness's own prefix
// in the layout the storage writers use (core realtime-keys.ts), then read through the routers.
import {
  latencyField,
  minuteBucket,
  realtimeKeys,
  SINK_HEALTH_STALE_MS,
  type SinkHealth,
} from '@sluice/core';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtimeReader } from '../realtime-reader.ts';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const NOW = new Date('2026-03-01T10:30:20Z');
const nowMinute = minuteBucket(NOW.getTime()); // 2026-03-01T10:30
const prevMinute = minuteBucket(NOW.getTime() - 60_000);
const viewer = { id: 'v', email: 'v@example.test', name: 'v', role: 'viewer' };

let h: RouterHarness;
let at: ReturnType<RouterHarness['as']>;

/** What a storage writer's batch of latencies adds to a minute's hash. */
async function recordLatencies(minute: string, latenciesMs: number[]) {
  const key = realtimeKeys.latency(h.redisPrefix, minute);
  for (const ms of latenciesMs) {
    await h.redis.hincrby(key, 'n', 1);
    await h.redis.hincrby(key, 'sum_ms', ms);
    await h.redis.hincrby(key, latencyField(ms), 1);
  }
}

beforeAll(async () => {
  h = await createRouterHarness();
  at = h.as(viewer, () => NOW);
  const p = h.redisPrefix;
  await h.redis.hset(realtimeKeys.count(p, nowMinute), {
    _all: 9,
    _errors: 3,
    pageview: 5,
    error: 2,
    exception: 1,
    click: 1,
  });
  await h.redis.pfadd(realtimeKeys.users(p, nowMinute), 'u1', 'u2', 'u3', 'u4');
  await h.redis.zadd(realtimeKeys.pages(p, nowMinute), 3, '/home', 2, '/pricing');
  await h.redis.hset(realtimeKeys.count(p, prevMinute), { _all: 40, pageview: 40 });
  await h.redis.pfadd(realtimeKeys.users(p, prevMinute), 'u1', 'u9');
  // Three minutes ago nothing was stored: a gap in the events-per-minute chart.
  await h.redis.hset(realtimeKeys.count(p, minuteBucket(NOW.getTime() - 2 * 60_000)), {
    _all: 12,
  });
});
afterAll(() => h.close());

describe('aggregates.live', () => {
  it('reads the open minute and the previous one', async () => {
    const r = await at.aggregates.live({ topPages: 5 });
    expect(r.minutes).toEqual([
      {
        minute: nowMinute,
        state: 'open',
        total: 9,
        errors: 3,
        errorRate: 3 / 9,
        byType: [
          { type: 'pageview', count: 5 },
          { type: 'error', count: 2 },
          { type: 'click', count: 1 },
          { type: 'exception', count: 1 },
        ],
        activeUsers: 4,
        topPages: [
          { url: '/home', pageviews: 3 },
          { url: '/pricing', pageviews: 2 },
        ],
      },
      {
        minute: prevMinute,
        state: 'previous',
        total: 40,
        errors: 0,
        errorRate: 0,
        byType: [{ type: 'pageview', count: 40 }],
        activeUsers: 2,
        topPages: [],
      },
    ]);
  });

  it('limits top pages to what was asked and bounds the input', async () => {
    const r = await at.aggregates.live({ topPages: 1 });
    expect(r.minutes[0]?.topPages).toEqual([{ url: '/home', pageviews: 3 }]);
    await expect(at.aggregates.live({ topPages: 500 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});

describe('overview.eventsPerMinute', () => {
  it('charts _all and _errors per minute, with a gap where no counter exists', async () => {
    const r = await at.overview.eventsPerMinute({ minutes: 4 });
    const base = Date.parse('2026-03-01T10:27:00Z');
    expect(r.points).toEqual([
      { t: base, events: null, errors: null },
      { t: base + 60_000, events: 12, errors: 0 },
      { t: base + 120_000, events: 40, errors: 0 },
      { t: base + 180_000, events: 9, errors: 3 },
    ]);
  });
});

describe('overview.latency', () => {
  it('summarises the latency buckets of the last minutes as bucket upper bounds', async () => {
    // 100 latencies: 90 at 80 ms, 6 at 400 ms, 4 at 2 s.
    await recordLatencies(prevMinute, [...Array(60).fill(80), ...Array(4).fill(400)]);
    await recordLatencies(nowMinute, [...Array(30).fill(80), 400, 400, 2000, 2000, 2000, 2000]);
    const r = await at.overview.latency({ minutes: 5 });
    expect(r.summary).toEqual({
      count: 100,
      meanMs: (90 * 80 + 6 * 400 + 4 * 2000) / 100,
      p50Ms: 100,
      p95Ms: 500,
      p99Ms: 2500,
    });
    expect(r.points).toHaveLength(5);
    expect(r.points.slice(-2).map((p) => [p.count, p.p50Ms, p.p99Ms])).toEqual([
      [64, 100, 500],
      [36, 100, 2500],
    ]);
    // Minutes without latency are gaps, not zero latency.
    expect(r.points[0]).toMatchObject({ count: 0, meanMs: null, p50Ms: null });
  });
});

describe('overview.sinks', () => {
  it('shows fresh entries as up or down and a silent writer as stale', async () => {
    const entry = (o: Partial<SinkHealth> & Pick<SinkHealth, 'sink' | 'worker_id'>) =>
      JSON.stringify({
        up: true,
        pending: 0,
        last_ok_at: NOW.toISOString(),
        last_error: null,
        last_error_at: null,
        updated_at: new Date(NOW.getTime() - 2000).toISOString(),
        ...o,
      } satisfies SinkHealth);
    await h.redis.hset(realtimeKeys.sinkHealth(h.redisPrefix), {
      'timescale@w-1': entry({ sink: 'timescale', worker_id: 'w-1', pending: 12 }),
      'search@w-1': entry({
        sink: 'search',
        worker_id: 'w-1',
        up: false,
        pending: 250,
        last_error: 'connect ECONNREFUSED 127.0.0.1:9200',
        last_error_at: NOW.toISOString(),
      }),
      'timescale@w-0': entry({
        sink: 'timescale',
        worker_id: 'w-0',
        updated_at: new Date(NOW.getTime() - SINK_HEALTH_STALE_MS - 5000).toISOString(),
      }),
    });
    const r = await at.overview.sinks();
    expect(r.sinks.map((s) => [s.sink, s.workerId, s.state, s.pending, s.lastError])).toEqual([
      ['search', 'w-1', 'down', 250, 'connect ECONNREFUSED 127.0.0.1:9200'],
      ['timescale', 'w-0', 'stale', 0, null],
      ['timescale', 'w-1', 'up', 12, null],
    ]);
  });
});

describe('with Redis unreachable', () => {
  it('answers SERVICE_UNAVAILABLE from every Redis panel, and the rest still works', async () => {
    // The console's own client settings, pointed at a port where nothing listens.
    const dead = connectRealtimeReader('redis://127.0.0.1:1', 'unused:');
    const down = await createRouterHarness(undefined, { realtime: dead });
    const started = Date.now();
    try {
      const codes = await Promise.all(
        [
          down.viewer.overview.eventsPerMinute({}),
          down.viewer.overview.latency({}),
          down.viewer.overview.sinks(),
          down.viewer.aggregates.live({}),
        ].map((p) =>
          p.then(
            () => 'OK',
            (e) => (e instanceof TRPCError ? `${e.code}: ${e.message}` : String(e)),
          ),
        ),
      );
      for (const c of codes) expect(c).toMatch(/^SERVICE_UNAVAILABLE: Redis unreachable: /);
      // Fails fast: the panel shows its error instead of a spinner.
      expect(Date.now() - started).toBeLessThan(3000);
      const history = await down.viewer.overview.history({});
      expect(history.lag.rows).toEqual([]);
      expect(history.throughput.countsError).toMatch(/.+/);
    } finally {
      await dead.close();
      await down.close();
    }
  });
});
