// Records each pipeline stage handled (in, out, to the DLQ, late), counted by its workers into
// Redis under the stage-counter layout of @sluice/core realtime-keys.ts, so the console can show
// true records per second per stage. End-offset deltas of the output topics cannot: every Kafka
// transaction leaves a commit marker that takes an offset and is no record.
//
// Observational only: `add` never throws and never waits. Counts are buffered per (metric,
// 10-second bucket) and added once a second, one INCRBY per key, in one MULTI. While Redis is
// away they are kept (bounded) and added when it is back; a failed flush whose reply was lost may
// have been applied, so an outage can count a second twice: the rates are for the eye.
import {
  realtimeKeys,
  STAGE_COUNT_BUCKET_MS,
  STAGE_COUNT_FLUSH_MS,
  STAGE_COUNT_TTL_S,
  STAGE_METRIC_PATTERN,
  type StageMetric,
  type StageName,
  stageCountBucket,
} from '@sluice/core';
import { Redis } from 'ioredis';
import { createLogger } from './logger.ts';

/** What the counters log with; a worker's Logger (logger.ts) is one. */
export type StageCountersLog = (level: 'warn' | 'error', message: string) => void;

export interface StageCountersOptions {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: the console reads the same. */
  prefix: string;
  stage: StageName;
  /** Named in log lines (SLUICE_WORKER_ID); the counts of a stage's workers add up in one key. */
  workerId?: string;
  /** Default: a logger of its own on stderr. */
  log?: StageCountersLog;
  now?: () => number;
  flushIntervalMs?: number;
  /** Unflushed (metric, bucket) counts kept while Redis is away; the oldest go first. */
  maxPendingKeys?: number;
}

export interface StageCounters {
  /** Adds `n` records to `metric` of this stage now. Never throws. */
  add(metric: StageMetric | string, n: number): void;
  /** Stops the timer, adds what is buffered (one last try) and disconnects. Never rejects. */
  close(): Promise<void>;
}

// An hour of buckets for four metrics; beyond the TTL a count is of no use to anyone.
const DEFAULT_MAX_PENDING_KEYS = 4 * (STAGE_COUNT_TTL_S / (STAGE_COUNT_BUCKET_MS / 1000));

export function createStageCounters(o: StageCountersOptions): StageCounters {
  const now = o.now ?? Date.now;
  const log = o.log ?? createLogger({ stage: o.stage, worker: o.workerId ?? 'unknown' });
  const who = `stage counters (${o.stage}${o.workerId ? ` @ ${o.workerId}` : ''})`;
  const maxPending = o.maxPendingKeys ?? DEFAULT_MAX_PENDING_KEYS;
  const redis = new Redis(o.redisUrl, {
    lazyConnect: true,
    // Fail at once while disconnected instead of queueing: the counts wait here, bounded.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A frozen Redis must not hold a flush (and so every later one) forever.
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Failures reach the flush that hit them; an unhandled 'error' event would crash the worker.
  redis.on('error', () => {});

  /** key → count; insertion order is oldest bucket first (buckets only move forward). */
  const pending = new Map<string, number>();
  const rejected = new Set<string>();
  let dropped = 0;
  let failing = false;
  let closed = false;

  const addPending = (key: string, n: number) => {
    pending.set(key, (pending.get(key) ?? 0) + n);
    while (pending.size > maxPending) {
      const oldest = pending.keys().next().value as string;
      dropped += pending.get(oldest) ?? 0;
      pending.delete(oldest);
    }
  };
  const keyOf = (metric: string, atMs: number) =>
    realtimeKeys.stageCount(o.prefix, o.stage, metric, stageCountBucket(atMs));

  const flush = async () => {
    // The heartbeat: `in` of the current bucket exists while this worker runs, idle or not.
    const heartbeat = keyOf('in', now());
    const batch = new Map(pending);
    if (!batch.has(heartbeat)) batch.set(heartbeat, 0);
    pending.clear();
    const multi = redis.multi();
    for (const [key, n] of batch) {
      multi.incrby(key, n);
      multi.expire(key, STAGE_COUNT_TTL_S);
    }
    try {
      if (redis.status === 'wait') await redis.connect();
      const replies = await multi.exec();
      const failed = replies?.find(([err]) => err);
      if (!replies || failed) throw failed?.[0] ?? new Error('transaction discarded');
      if (failing) log('warn', `${who}: Redis is back, buffered counts added`);
      failing = false;
    } catch (err) {
      // Keep the counts for the next flush, in front of what was added meanwhile.
      const meanwhile = [...pending];
      pending.clear();
      for (const [key, n] of batch) if (n > 0) addPending(key, n);
      for (const [key, n] of meanwhile) addPending(key, n);
      if (!failing) {
        log('warn', `${who}: adding to Redis failed, counts kept: ${(err as Error).message}`);
      }
      failing = true;
    }
    if (dropped > 0) {
      log('warn', `${who}: ${dropped} records left uncounted, Redis away too long`);
      dropped = 0;
    }
  };

  let flushing: Promise<void> | null = null;
  const tick = () => {
    if (flushing) return; // the previous flush is still waiting on Redis
    flushing = flush().finally(() => {
      flushing = null;
    });
  };
  const timer = setInterval(tick, o.flushIntervalMs ?? STAGE_COUNT_FLUSH_MS);
  timer.unref();

  return {
    add(metric, n) {
      if (closed || n === 0) return;
      if (!STAGE_METRIC_PATTERN.test(metric) || !Number.isSafeInteger(n) || n < 0) {
        const what = `${metric}/${n}`;
        if (!rejected.has(what) && rejected.size < 100) {
          rejected.add(what);
          log('error', `${who}: ignored add(${JSON.stringify(metric)}, ${n}): a bug in the caller`);
        }
        return;
      }
      addPending(keyOf(metric, now()), n);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flushing;
      if (pending.size > 0) await flush();
      const left = [...pending.values()].reduce((a, b) => a + b, 0);
      if (left > 0) log('warn', `${who}: closed with ${left} records not added to Redis`);
      redis.disconnect();
    },
  };
}
