// Stands in for a storage writer during the browser tests: writes the realtime metrics to Redis
// in the layout core defines (the same per-minute deltas the Redis sink applies), under the test
// run's own key prefix. It backfills the last hour once, then keeps adding a small batch to the
// current minute and refreshing its sink-health entries, as a running writer does; one more
// entry belongs to a writer that "went away" and must show as stale.
import {
  latencyField,
  minuteBucket,
  REALTIME_TTL_S,
  type RealtimeInput,
  realtimeDeltas,
  realtimeKeys,
  SINK_HEALTH_STALE_MS,
  type SinkHealth,
} from '@sluice/core';
import { Redis } from 'ioredis';

const TYPES = ['pageview', 'pageview', 'pageview', 'click', 'click', 'error', 'exception'];
const PAGES = ['/', '/pricing', '/docs', '/blog/launch'];

/** A deterministic batch of `n` events in the minute starting at `minuteMs`. */
function batch(minuteMs: number, n: number, seed: number): RealtimeInput[] {
  return Array.from({ length: n }, (_, i) => {
    const k = seed * 7919 + i;
    const type = TYPES[k % TYPES.length] as string;
    return {
      type,
      timestamp_ms: minuteMs + (k % 60) * 1000,
      user_id: `user-${k % 250}`,
      ...(type === 'pageview' ? { url: PAGES[k % PAGES.length] } : {}),
    };
  });
}

async function apply(redis: Redis, prefix: string, events: RealtimeInput[]) {
  const m = redis.multi();
  for (const [minute, d] of realtimeDeltas(events)) {
    const ck = realtimeKeys.count(prefix, minute);
    for (const [field, n] of d.counts) m.hincrby(ck, field, n);
    m.pfadd(realtimeKeys.users(prefix, minute), ...d.users);
    for (const [url, n] of d.pages) m.zincrby(realtimeKeys.pages(prefix, minute), n, url);
    for (const k of [ck, realtimeKeys.users(prefix, minute), realtimeKeys.pages(prefix, minute)])
      m.expire(k, REALTIME_TTL_S);
  }
  await m.exec();
}

/** Latencies of the events committed in a minute: mostly fast, a slow tail. */
async function recordLatency(redis: Redis, prefix: string, minuteMs: number, n: number) {
  const key = realtimeKeys.latency(prefix, minuteBucket(minuteMs));
  const m = redis.multi();
  for (let i = 0; i < n; i++) {
    const ms = i % 50 === 0 ? 1800 : i % 10 === 0 ? 420 : 60 + (i % 40);
    m.hincrby(key, 'n', 1);
    m.hincrby(key, 'sum_ms', ms);
    m.hincrby(key, latencyField(ms), 1);
  }
  m.expire(key, REALTIME_TTL_S);
  await m.exec();
}

function health(sink: string, worker: string, atMs: number, o: Partial<SinkHealth> = {}) {
  return JSON.stringify({
    sink,
    worker_id: worker,
    up: true,
    pending: 0,
    last_ok_at: new Date(atMs).toISOString(),
    last_error: null,
    last_error_at: null,
    updated_at: new Date(atMs).toISOString(),
    ...o,
  } satisfies SinkHealth);
}

export async function startDemoWriter(redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const now = Date.now();
  const current = Math.floor(now / 60_000) * 60_000;
  // The last hour, with minutes 40-36 ago missing (the writer was down): a gap, not zeros.
  for (let ago = 60; ago >= 1; ago--) {
    if (ago <= 40 && ago >= 36) continue;
    const minuteMs = current - ago * 60_000;
    await apply(redis, prefix, batch(minuteMs, 300 + ((ago * 37) % 200), ago));
    if (ago <= 15) await recordLatency(redis, prefix, minuteMs, 300);
  }
  await redis.hset(realtimeKeys.sinkHealth(prefix), {
    'timescale@writer-0': health('timescale', 'writer-0', now - SINK_HEALTH_STALE_MS - 60_000),
  });

  let tick = 0;
  const beat = async () => {
    const at = Date.now();
    const minuteMs = Math.floor(at / 60_000) * 60_000;
    await apply(redis, prefix, batch(minuteMs, 40, 1000 + tick));
    await recordLatency(redis, prefix, minuteMs, 40);
    await redis.hset(realtimeKeys.sinkHealth(prefix), {
      'timescale@writer-1': health('timescale', 'writer-1', at, { pending: 40 }),
      'redis@writer-1': health('redis', 'writer-1', at),
      'search@writer-1': health('search', 'writer-1', at, {
        up: false,
        pending: 12,
        last_error: 'connect ECONNREFUSED 127.0.0.1:9200',
        last_error_at: new Date(at - 2000).toISOString(),
      }),
    });
    tick++;
  };
  await beat();
  const timer = setInterval(() => void beat().catch(() => {}), 3000);

  return async () => {
    clearInterval(timer);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };
}
