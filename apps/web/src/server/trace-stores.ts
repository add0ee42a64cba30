// What the console can ask the stores for an event trace beyond PostgreSQL and Kafka: Redis
// (the realtime keys of the event's minute and the partition's offset fence) and the search
// index (the document whose id is the event_id, over its REST API). The console has no archive
// client (S3), so the archive stays unchecked here; `sluice trace` checks it.
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

/** The search index's document of the event, by id (Elasticsearch/OpenSearch `GET _doc`). */
export function searchTraceStores(url: string, index: string): TraceStores {
  return {
    async searchDocument(eventId) {
      const res = await fetch(
        `${url.replace(/\/$/, '')}/${encodeURIComponent(index)}/_doc/${encodeURIComponent(eventId)}`,
        { signal: AbortSignal.timeout(3000) },
      );
      // 404: no such document, or no index yet (nothing routed there).
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`search index answered ${res.status}`);
      const body = (await res.json()) as {
        found?: boolean;
        _source?: { timestamp_ms?: unknown; timestamp?: unknown };
      };
      if (!body.found) return null;
      const src = body._source ?? {};
      const ms =
        typeof src.timestamp_ms === 'number'
          ? src.timestamp_ms
          : typeof src.timestamp === 'string' || typeof src.timestamp === 'number'
            ? new Date(src.timestamp).getTime()
            : Number.NaN;
      return { eventTimeMs: Number.isNaN(ms) ? null : ms };
    },
  };
}
