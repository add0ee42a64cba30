// What the storage writers tell the console besides the data: end-to-end latency per minute
// minute and each sink's health, in Redis under the layout of @sluice/core realtime-keys.ts,
// plus the latency histogram on /metrics. Observational only: it is flushed on its own timer,
// and Redis being away loses a few seconds of latency samples and a health refresh, never data
// and never a write of the sinks.
import {
  latencyField,
  minuteBucket,
  REALTIME_TTL_S,
  realtimeKeys,
  type SinkHealth,
} from '@sluice/core';
import { Redis } from 'ioredis';
import type { SinkRunner } from './sink-runner.ts';
import type { StorageMetrics } from './storage-metrics.ts';

export interface StorageTelemetryOptions {
  redisUrl: string;
  prefix: string;
  workerId: string;
  runners: () => readonly SinkRunner[];
  metrics: StorageMetrics;
  log: (message: string) => void;
  /** The routing version this writer runs, shown with its sinks' health. */
  routingVersion?: () => number | null;
  intervalMs?: number;
  now?: () => number;
}

export interface StorageTelemetry {
  /** Events now queryable (durable in their sinks but the archive), by their Kafka (ingestion) timestamps. */
  durable(timestampsMs: readonly number[]): void;
  /** Final flush; removes this writer's health entries (it is leaving, not failing). */
  stop(): Promise<void>;
}

/** Latency counters of one minute, not yet added to Redis. */
type Pending = Map<string, number>;

export function startStorageTelemetry(o: StorageTelemetryOptions): StorageTelemetry {
  const now = o.now ?? Date.now;
  const redis = new Redis(o.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  let warned = false;
  redis.on('error', () => {});
  const pending = new Map<string, Pending>();
  const keys = { health: realtimeKeys.sinkHealth(o.prefix) };
  const field = (sink: string) => `${sink}@${o.workerId}`;

  const flush = async () => {
    const batch = [...pending];
    pending.clear();
    const at = now();
    const multi = redis.multi();
    for (const [minute, counters] of batch) {
      const key = realtimeKeys.latency(o.prefix, minute);
      for (const [f, n] of counters) multi.hincrby(key, f, n);
      multi.expire(key, REALTIME_TTL_S);
    }
    for (const r of o.runners()) {
      const h = r.health();
      const entry: SinkHealth = {
        sink: r.name,
        worker_id: o.workerId,
        up: h.up,
        pending: h.pending,
        last_ok_at: h.lastOkAtMs === null ? null : new Date(h.lastOkAtMs).toISOString(),
        last_error: h.lastError,
        last_error_at: h.lastErrorAtMs === null ? null : new Date(h.lastErrorAtMs).toISOString(),
        updated_at: new Date(at).toISOString(),
        routing_version: o.routingVersion?.() ?? null,
      };
      multi.hset(keys.health, field(r.name), JSON.stringify(entry));
    }
    multi.expire(keys.health, REALTIME_TTL_S);
    try {
      if (redis.status === 'wait') await redis.connect();
      await multi.exec();
      warned = false;
    } catch (err) {
      if (!warned) o.log(`telemetry to Redis failed, will retry: ${(err as Error).message}`);
      warned = true;
    }
  };

  let flushing = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing.then(flush);
  }, o.intervalMs ?? 5000);
  timer.unref();

  return {
    durable(timestamps) {
      const at = now();
      const minute = minuteBucket(at);
      let counters = pending.get(minute);
      if (!counters) {
        counters = new Map();
        pending.set(minute, counters);
      }
      const add = (f: string, n: number) => counters.set(f, (counters.get(f) ?? 0) + n);
      for (const t of timestamps) {
        // A clock behind the broker's would make a negative latency: count it as zero.
        const ms = Math.max(0, at - t);
        add('n', 1);
        add('sum_ms', Math.round(ms));
        add(latencyField(ms), 1);
        o.metrics.endToEndSeconds.observe(ms / 1000);
      }
    },
    async stop() {
      clearInterval(timer);
      await flushing;
      await flush();
      try {
        const names = o.runners().map((r) => field(r.name));
        if (names.length > 0) await redis.hdel(keys.health, ...names);
      } catch {
        // Redis away: the entries go stale and the console shows the writer as gone.
      }
      redis.disconnect();
    },
  };
}
