// What the console can ask the stores for an event trace beyond PostgreSQL and Kafka: Redis
// (the realtime keys of the event's minute and the partition's offset fence). The console has
// no search-index or archive configuration, so those two stay unchecked here (`sluice trace`
// checks them).
import { type RedisTrace, realtimeKeys, type TracePorts } from '@sluice/core';
import { Redis } from 'ioredis';

export type TraceStores = Pick<TracePorts, 'searchDocument' | 'redis' | 'archiveObject'>;

export function redisTraceStores(url: string, prefix: string): TraceStores {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 3000,
    lazyConnect: true,
  });
  redis.on('error', () => {});
  return {
    async redis({ topic, partition, offset, minute }): Promise<RedisTrace> {
      const fence = await redis.get(realtimeKeys.fence(prefix, topic, partition));
      const keys = [
        realtimeKeys.count(prefix, minute),
        realtimeKeys.users(prefix, minute),
        realtimeKeys.pages(prefix, minute),
      ];
      const present = await Promise.all(keys.map((k) => redis.exists(k)));
      return {
        applied: fence === null ? null : BigInt(fence) >= BigInt(offset),
        fence,
        minuteKeys: keys.filter((_, i) => (present[i] ?? 0) > 0),
        note: "aggregate only: Redis holds per-minute counts, not events; 'applied' says the partition's offset fence passed the enriched record",
      };
    },
  };
}
