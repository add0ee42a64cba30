// Reads the realtime metrics the storage writers keep in Redis (layout: @sluice/core
// realtime-keys.ts). Routers get a reader through the context, so tests pass one bound to their
// own key prefix. Every read is one pipelined round trip; a failed command fails the read, and
// the procedure turns that into an error state for its panel rather than a half-filled answer.
import { realtimeKeys } from '@sluice/core';
import { Redis } from 'ioredis';

export interface LiveMinuteRead {
  counts: Record<string, string>;
  activeUsers: number;
  /** url, pageviews; highest first. */
  topPages: [string, number][];
}

export interface RealtimeReader {
  /** `rt:count` hashes of the given minutes, in the same order (empty object: no key). */
  counts(minutes: readonly string[]): Promise<Record<string, string>[]>;
  /** `rt:latency` hashes of the given minutes, in the same order. */
  latency(minutes: readonly string[]): Promise<Record<string, string>[]>;
  liveMinute(minute: string, topPages: number): Promise<LiveMinuteRead>;
  /** The raw `sink:health` hash: field `{sink}@{worker_id}` to JSON. */
  sinkHealth(): Promise<Record<string, string>>;
  /** `rt:stage` counters: per series, its buckets' counts in order (null: no key). One MGET. */
  stageCounts(
    series: readonly { stage: string; metric: string }[],
    buckets: readonly string[],
  ): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

type Replies = [Error | null, unknown][] | null;

function unwrap(replies: Replies): unknown[] {
  if (!replies) throw new Error('Redis pipeline returned nothing');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

export function createRealtimeReader(redis: Redis, prefix: string): RealtimeReader {
  const hashes = async (key: (p: string, m: string) => string, minutes: readonly string[]) => {
    if (minutes.length === 0) return [];
    const p = redis.pipeline();
    for (const m of minutes) p.hgetall(key(prefix, m));
    return unwrap(await p.exec()) as Record<string, string>[];
  };
  return {
    counts: (minutes) => hashes(realtimeKeys.count, minutes),
    latency: (minutes) => hashes(realtimeKeys.latency, minutes),
    async liveMinute(minute, topPages) {
      const [counts, activeUsers, pages] = unwrap(
        await redis
          .pipeline()
          .hgetall(realtimeKeys.count(prefix, minute))
          .pfcount(realtimeKeys.users(prefix, minute))
          .zrevrange(realtimeKeys.pages(prefix, minute), 0, topPages - 1, 'WITHSCORES')
          .exec(),
      ) as [Record<string, string>, number, string[]];
      const top: [string, number][] = [];
      for (let i = 0; i + 1 < pages.length; i += 2) {
        top.push([pages[i] as string, Number(pages[i + 1])]);
      }
      return { counts, activeUsers, topPages: top };
    },
    sinkHealth: () => redis.hgetall(realtimeKeys.sinkHealth(prefix)),
    async stageCounts(series, buckets) {
      if (series.length === 0 || buckets.length === 0) return series.map(() => []);
      const keys = series.flatMap((s) =>
        buckets.map((b) => realtimeKeys.stageCount(prefix, s.stage, s.metric, b)),
      );
      const values = await redis.mget(keys);
      return series.map((_, i) => values.slice(i * buckets.length, (i + 1) * buckets.length));
    },
    async close() {
      redis.disconnect();
    },
  };
}

/** A client that fails fast while Redis is away: a panel shows an error instead of hanging. */
export function connectRealtimeReader(url: string, prefix: string): RealtimeReader {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    // Reconnect in the background at a bounded pace; requests meanwhile fail after one retry.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Errors reach the callers of each command; an unhandled 'error' event would crash the server.
  redis.on('error', () => {});
  return createRealtimeReader(redis, prefix);
}
