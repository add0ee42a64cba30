// The Redis layout of the realtime metrics the console reads, and the pure computation of what a
// batch adds to them. Everything is bucketed by event-time minute (UTC, `YYYY-MM-DDTHH:MM`) so
// a replay lands in the same keys; the writer applies a batch only past a per-partition offset
// fence, so a replay rewrites nothing instead of adding twice.
//
//   {p}rt:count:{minute}       HASH  field = event type → events in that minute; plus `_all`
//                                    (every event) and `_errors` (error + exception): the
//                                    recent error rate is _errors / _all over the last minutes
//   {p}rt:users:{minute}       HLL   user_id (PFADD); active users over N minutes = PFCOUNT of
//                                    the N keys (0.81% standard error)
//   {p}rt:pages:{minute}       ZSET  url → pageviews in that minute; top pages over N minutes =
//                                    ZUNION of the N keys, highest scores first
//   {p}rt:fence:{topic}:{partition}  STRING  last Kafka offset applied from that partition
//   {p}rt:latency:{minute}     HASH  end-to-end latency of the events that became queryable in
//                                    that (wall-clock) minute: from the event's append to
//                                    events.raw (its Kafka timestamp, carried to events.enriched)
//                                    to the moment every sink it was routed to, except the
//                                    asynchronous archive, had it durably.
//                                    Fields: `n`, `sum_ms`, and `le_{ms}` per LATENCY_BUCKETS_MS
//                                    bucket (not cumulative; `le_inf` above the last)
//   {p}sink:health             HASH  field `{sink}@{worker_id}` → SinkHealth JSON, rewritten by
//                                    each storage writer every few seconds; an entry whose
//                                    updated_at is older than SINK_HEALTH_STALE_MS is a writer
//                                    that went away
//   {p}rt:stage:{stage}:{metric}:{bucket}
//                              STRING records a pipeline stage counted (metric: in, out, dlq,
//                                    late; see the pipeline contract) in one STAGE_COUNT_BUCKET_MS
//                                    bucket of wall-clock time, `YYYY-MM-DDTHH:MM:SS` (UTC, the
//                                    bucket's start); every worker of the stage INCRBYs it once a
//                                    second. A running worker adds 0 to `in` each second, so a
//                                    stage with no `in` key in a range was not running. Unlike
//                                    the keys above these count processing, not events: a replay
//                                    counts again. Expire STAGE_COUNT_TTL_S after the last write.
//
// Every other key expires REALTIME_TTL_S after its last write (at most 24 h).

import { z } from 'zod';

export const REALTIME_TTL_S = 24 * 3600;
export const ERROR_TYPES: ReadonlySet<string> = new Set(['error', 'exception']);
/** URLs are cut to this length so one hostile URL cannot bloat the sorted set. */
export const MAX_PAGE_KEY_LENGTH = 512;

export const realtimeKeys = {
  count: (prefix: string, minute: string) => `${prefix}rt:count:${minute}`,
  users: (prefix: string, minute: string) => `${prefix}rt:users:${minute}`,
  pages: (prefix: string, minute: string) => `${prefix}rt:pages:${minute}`,
  fence: (prefix: string, topic: string, partition: number) =>
    `${prefix}rt:fence:${topic}:${partition}`,
  latency: (prefix: string, minute: string) => `${prefix}rt:latency:${minute}`,
  sinkHealth: (prefix: string) => `${prefix}sink:health`,
  stageCount: (prefix: string, stage: string, metric: string, bucket: string) =>
    `${prefix}rt:stage:${stage}:${metric}:${bucket}`,
};

/** Width of a stage-counter bucket. */
export const STAGE_COUNT_BUCKET_MS = 10_000;
/** Stage counters are for the console's "now"; an hour keeps a little history for a chart. */
export const STAGE_COUNT_TTL_S = 3600;
/** How often writers add their counts to Redis. */
export const STAGE_COUNT_FLUSH_MS = 1000;
/** A bucket is complete this long after it ends: every writer has flushed into it by then. */
export const STAGE_COUNT_SETTLE_MS = 2 * STAGE_COUNT_FLUSH_MS;
/** The stage rates the console shows are taken over this much time. */
export const STAGE_RATE_WINDOW_MS = 60_000;
/** Metric names go into keys: short, lower-case, no separators. */
export const STAGE_METRIC_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** The bucket holding wall-clock time `ms`. */
export function stageCountBucket(ms: number): string {
  const start = Math.floor(ms / STAGE_COUNT_BUCKET_MS) * STAGE_COUNT_BUCKET_MS;
  return new Date(start).toISOString().slice(0, 19);
}

/**
 * The buckets of the last STAGE_RATE_WINDOW_MS that are complete at `nowMs`, oldest first: the
 * current bucket is partial, and so is the one before it until every writer has flushed.
 */
export function stageRateBuckets(nowMs: number): string[] {
  return stageCountBuckets(nowMs, STAGE_RATE_WINDOW_MS);
}

/** The complete buckets of the last `spanMs` (whole buckets; at most STAGE_COUNT_TTL_S). */
export function stageCountBuckets(nowMs: number, spanMs: number): string[] {
  const n = Math.floor(Math.min(spanMs, STAGE_COUNT_TTL_S * 1000) / STAGE_COUNT_BUCKET_MS);
  const lastEnd =
    Math.floor((nowMs - STAGE_COUNT_SETTLE_MS) / STAGE_COUNT_BUCKET_MS) * STAGE_COUNT_BUCKET_MS;
  return Array.from({ length: n }, (_, i) =>
    stageCountBucket(lastEnd - (n - i) * STAGE_COUNT_BUCKET_MS),
  );
}

/**
 * Records per second from the counts of `stageRateBuckets` (GET replies: null for no key).
 * null when no bucket has a key: nothing was counted, not even the heartbeat of `in`.
 */
export function stageRatePerSecond(counts: readonly (string | null)[]): number | null {
  if (counts.every((c) => c === null)) return null;
  const total = counts.reduce((sum, c) => sum + (c === null ? 0 : Number(c)), 0);
  return total / ((counts.length * STAGE_COUNT_BUCKET_MS) / 1000);
}

/** Upper bounds (ms) of the end-to-end latency buckets. */
export const LATENCY_BUCKETS_MS = [
  100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000,
];

/** The hash field counting a latency: `le_{bound}` of the first bucket that holds it. */
export function latencyField(ms: number): string {
  for (const b of LATENCY_BUCKETS_MS) if (ms <= b) return `le_${b}`;
  return 'le_inf';
}

export interface LatencySummary {
  count: number;
  meanMs: number | null;
  /** Upper bound of the bucket holding the quantile (null when it is the open last bucket). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** Summarises latency hashes (one per minute) read from Redis. */
export function summariseLatency(hashes: Iterable<Record<string, string>>): LatencySummary {
  let n = 0;
  let sum = 0;
  const buckets = new Map<string, number>();
  for (const h of hashes) {
    n += Number(h.n ?? 0);
    sum += Number(h.sum_ms ?? 0);
    for (const [k, v] of Object.entries(h))
      if (k.startsWith('le_')) buckets.set(k, (buckets.get(k) ?? 0) + Number(v));
  }
  const quantile = (q: number): number | null => {
    if (n === 0) return null;
    let seen = 0;
    for (const b of LATENCY_BUCKETS_MS) {
      seen += buckets.get(`le_${b}`) ?? 0;
      if (seen >= q * n) return b;
    }
    return null;
  };
  return {
    count: n,
    meanMs: n === 0 ? null : sum / n,
    p50Ms: quantile(0.5),
    p95Ms: quantile(0.95),
    p99Ms: quantile(0.99),
  };
}

/** One storage writer's view of one sink, as written to `{p}sink:health` (and read back). */
export const sinkHealthSchema = z.object({
  sink: z.string(),
  worker_id: z.string(),
  up: z.boolean(),
  /** Records consumed but not yet durable in this sink. */
  pending: z.number(),
  last_ok_at: z.string().nullable(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  updated_at: z.string(),
  /** The routing version the writer routes batches by; null before one was read. */
  routing_version: z.number().int().nullable().optional(),
});
export type SinkHealth = z.infer<typeof sinkHealthSchema>;

/** A writer that has not refreshed its entry for this long is gone (it refreshes every 5 s). */
export const SINK_HEALTH_STALE_MS = 30_000;

export function minuteBucket(timestampMs: number): string {
  return new Date(Math.floor(timestampMs / 60_000) * 60_000).toISOString().slice(0, 16);
}

export interface RealtimeInput {
  readonly type: string;
  readonly timestamp_ms: number;
  readonly user_id: string;
  readonly url?: string | undefined;
}

export interface MinuteDelta {
  readonly counts: Map<string, number>;
  readonly users: Set<string>;
  readonly pages: Map<string, number>;
}

/** What a batch adds, per minute. */
export function realtimeDeltas(events: Iterable<RealtimeInput>): Map<string, MinuteDelta> {
  const out = new Map<string, MinuteDelta>();
  for (const e of events) {
    const minute = minuteBucket(e.timestamp_ms);
    let d = out.get(minute);
    if (!d) {
      d = { counts: new Map(), users: new Set(), pages: new Map() };
      out.set(minute, d);
    }
    const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    inc(d.counts, e.type);
    inc(d.counts, '_all');
    if (ERROR_TYPES.has(e.type)) inc(d.counts, '_errors');
    d.users.add(e.user_id);
    if (e.type === 'pageview' && e.url) inc(d.pages, e.url.slice(0, MAX_PAGE_KEY_LENGTH));
  }
  return out;
}
