// Redis sink: the console's realtime metrics (key layout in @sluice/core realtime-keys.ts, and in
// the storage report). Each partition's records are applied by one Lua script that checks and
// moves that partition's offset fence in the same atomic step: records at or below the fence
// were applied before and are skipped, so a replay after a crash or an offset reset rewrites
// nothing, and a zombie writer whose fence moved underneath it applies nothing. A record
// re-published from the DLQ (replay headers) arrives at a new offset, which the fence cannot
// tell from a new event: its ops are guarded by a marker per event_id, set with NX in the same
// script, so a replayed event is counted at most once however many times it is replayed.
import { type EnrichedEvent, REALTIME_TTL_S, realtimeDeltas, realtimeKeys } from '@sluice/core';
import { Redis } from 'ioredis';
import { byPartition, type Sink, type SinkRecord } from './sink.ts';

export interface RedisSinkOptions {
  url: string;
  prefix: string;
  ttlSeconds?: number;
}

// KEYS[1] fence, KEYS[2..] metric keys. ARGV: expected fence ('' = none), new fence, TTL, then
// ops of four: kind (H hash incr, P HyperLogLog add, Z sorted-set incr, M replay marker), key
// index, member, n. M sets its key with NX and, when it was set already, skips the n ops after it.
const APPLY = `
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return cur end
local ttl = tonumber(ARGV[3])
local i = 4
while i <= #ARGV do
  local k = KEYS[tonumber(ARGV[i + 1])]
  local op = ARGV[i]
  if op == 'M' then
    if not redis.call('SET', k, '1', 'NX', 'EX', ttl) then i = i + 4 * tonumber(ARGV[i + 3]) end
  elseif op == 'H' then redis.call('HINCRBY', k, ARGV[i + 2], ARGV[i + 3])
  elseif op == 'P' then redis.call('PFADD', k, ARGV[i + 2])
  else redis.call('ZINCRBY', k, ARGV[i + 3], ARGV[i + 2]) end
  i = i + 4
end
for i = 2, #KEYS do redis.call('EXPIRE', KEYS[i], ttl) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
return 'OK'`;

type RedisWithApply = Redis & {
  sluiceApply(numKeys: number, ...args: (string | number)[]): Promise<string>;
};

/** Set once a replayed event was counted; lives as long as the counters it guards. */
export const replayMarkerKey = (prefix: string, eventId: string) => `${prefix}replayed:${eventId}`;

export function createRedisSink(o: RedisSinkOptions): Sink {
  const redis = new Redis(o.url, {
    // Fail fast while Redis is away (or frozen): the runner owns retries and backpressure.
    maxRetriesPerRequest: 1,
    commandTimeout: 5000,
  }) as RedisWithApply;
  redis.on('error', () => {});
  redis.defineCommand('sluiceApply', { lua: APPLY });
  const ttl = Math.min(o.ttlSeconds ?? REALTIME_TTL_S, REALTIME_TTL_S);
  /** Last fence read or written per partition; '' when the partition has none. */
  const fences = new Map<string, string>();

  const applyPartition = async (topic: string, partition: number, records: SinkRecord[]) => {
    const fenceKey = realtimeKeys.fence(o.prefix, topic, partition);
    let fence = fences.get(fenceKey);
    if (fence === undefined) fence = (await redis.get(fenceKey)) ?? '';
    for (;;) {
      const floor = fence === '' ? -1n : BigInt(fence);
      const fresh = records.filter((r) => BigInt(r.offset) > floor);
      if (fresh.length === 0) {
        fences.set(fenceKey, fence);
        return;
      }
      const last = (fresh[fresh.length - 1] as SinkRecord).offset;
      const keys: string[] = [fenceKey];
      const args: (string | number)[] = [fence, last, ttl];
      const keyIndex = new Map<string, number>();
      const idx = (k: string) => {
        let i = keyIndex.get(k);
        if (i === undefined) {
          keys.push(k);
          i = keys.length;
          keyIndex.set(k, i);
        }
        return i;
      };
      const pushOps = (events: EnrichedEvent[]) => {
        for (const [minute, d] of realtimeDeltas(events)) {
          const ck = idx(realtimeKeys.count(o.prefix, minute));
          for (const [field, n] of d.counts) args.push('H', ck, field, n);
          const uk = idx(realtimeKeys.users(o.prefix, minute));
          for (const u of d.users) args.push('P', uk, u, 0);
          if (d.pages.size > 0) {
            const pk = idx(realtimeKeys.pages(o.prefix, minute));
            for (const [url, n] of d.pages) args.push('Z', pk, url, n);
          }
        }
      };
      pushOps(fresh.filter((r) => !r.replay).map((r) => r.data as EnrichedEvent));
      for (const r of fresh) {
        if (!r.replay) continue;
        const data = r.data as EnrichedEvent;
        const marker = args.length;
        args.push('M', idx(replayMarkerKey(o.prefix, data.event_id)), '', 0);
        pushOps([data]);
        args[marker + 3] = (args.length - marker - 4) / 4;
      }
      const result = await redis.sluiceApply(keys.length, ...keys, ...args);
      if (result === 'OK') {
        fences.set(fenceKey, last);
        return;
      }
      // Another writer moved the fence (a rebalance, or a zombie): recompute from its position.
      fence = result;
    }
  };

  return {
    name: 'redis',
    async write(records: readonly SinkRecord[]) {
      // Offsets must be applied in order within a partition; partitions are independent.
      await Promise.all(
        byPartition(records.filter((r) => r.kind === 'event')).map((list) => {
          const first = list[0] as SinkRecord;
          return applyPartition(first.topic, first.partition, list);
        }),
      );
      return { failed: [] };
    },
    async close() {
      redis.disconnect();
    },
  };
}
