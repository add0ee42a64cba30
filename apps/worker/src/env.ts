// The worker's configuration: every environment variable Sluice reads is declared and validated
// here, once, at start-up. A bad value stops the process with a message naming the variable.

import { hostname } from 'node:os';
import { parseDuration, parseWindowSizes } from '@sluice/core';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const duration = z
  .string()
  .refine((v) => parseDuration(v).ok, 'a duration such as 0s, 30s, 5m, 1h');

export const envSchema = z.object({
  SLUICE_HOME: z.string().min(1).optional(),
  SLUICE_CACHE_DIR: z.string().min(1).optional(),
  // The Go toolchain for the GeoIP test-database builder, when not found where go-toolchain.ts looks.
  GO_BINARY: z.string().min(1).optional(),
  SLUICE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'a comma-separated list of host:port')
    .default('127.0.0.1:9092'),
  // Prepended to every topic and consumer-group name (tests, or several pipelines on one cluster).
  SLUICE_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'letters, digits, dot, underscore or dash')
    .default(''),
  TOPIC_PARTITIONS: positiveInt.max(1024).default(12),
  TOPIC_REPLICATION_FACTOR: positiveInt.max(7).optional(),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://sluice@127.0.0.1:5432/sluice'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  SEARCH_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9200'),
  // The S3/CloudWatch endpoint; the local stack's moto server by default. Set it to the empty
  // string to use AWS itself.
  AWS_ENDPOINT_URL: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .default('http://127.0.0.1:4566'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  SEARCH_HEAP_MB: positiveInt.min(256).max(8192).default(768),
  KAFKA_HEAP_MB: positiveInt.min(256).max(8192).default(512),
  JAVA_HOME: z.string().min(1).optional(),
  // Path of a GeoIP2/GeoLite2 City .mmdb file; re-opened when it changes.
  GEOIP_CITY_DB: z.string().min(1).optional(),
  // Stable id of this worker instance (the pod name, say): part of its Kafka transactional id.
  SLUICE_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash; at most 100')
    .optional(),
  ENRICH_MAX_BATCH: positiveInt.max(100_000).default(2000),
  // The exactly-once stages commit a transaction at most this often (Kafka Streams'
  // commit.interval.ms under exactly-once is 100 ms): at low rates a few transactions a second
  // instead of one per poll; the latency it adds is at most this.
  STAGE_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  // A worker asked to stop (SIGTERM) commits or aborts the batch in hand and leaves its group
  // within this long, or exits 1 saying so: below Kubernetes' default 30 s grace period, so
  // the reason is logged before the SIGKILL would come.
  WORKER_STOP_TIMEOUT_MS: positiveInt.min(1000).max(600_000).default(25_000),
  ENRICH_UNKNOWN_FIELDS: z.enum(['keep', 'reject']).default('keep'),
  // Duplicates by event_id (an upstream producer's retry: the same event as a new record) are
  // dropped by the enrichment stage when they arrive within this long of the first (by Kafka
  // timestamp; producers retry for up to delivery.timeout.ms, 2 min by default). 0: off.
  ENRICH_DEDUP_HORIZON_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  // Event ids kept per input partition at most (about 150 bytes each); beyond, the oldest go.
  ENRICH_DEDUP_MAX_IDS: positiveInt.max(10_000_000).default(500_000),
  // How often the GeoIP file is checked for a new version.
  GEOIP_RELOAD_CHECK_MS: positiveInt.min(100).max(3_600_000).default(5000),
  GEOIP_CACHE_SIZE: positiveInt.max(10_000_000).default(100_000),
  UA_CACHE_SIZE: positiveInt.max(1_000_000).default(20_000),
  // CloudWatch namespace of the lag monitor's metrics and of the alarms `sluice alarms apply`
  // creates; one per environment keeps staging alarms off production data.
  CLOUDWATCH_NAMESPACE: z.string().min(1).max(255).default('Sluice'),
  // Port of the lag monitor's /metrics, /healthz and /readyz (9464: the Prometheus exporter
  // convention, away from the console's and the stack's ports).
  LAG_MONITOR_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  // Optional status thresholds: a partition above either is WARN even when its trend is fine.
  // Unset, only the Burrow-style trend rules apply.
  LAG_WARN_OFFSET_LAG: positiveInt.optional(),
  LAG_WARN_TIME_LAG_S: positiveInt.optional(),
  // Aggregation worker (`sluice worker aggregation`); `sluice aggregate` takes the same as flags.
  // Messages per transaction of the aggregation worker.
  AGG_MAX_BATCH: positiveInt.max(100_000).default(2000),
  // Tumbling window sizes, comma-separated.
  AGG_WINDOWS: z
    .string()
    .refine((v) => parseWindowSizes(v).ok, 'window sizes such as 1m,5m,1h')
    .default('1m,5m,1h'),
  // Extra window dimensions beside the event type: '' or any of country,device_type.
  AGG_DIMENSIONS: z
    .string()
    .regex(/^((country|device_type)(,(country|device_type))*)?$/, "'', country, device_type")
    .default(''),
  // Watermark = highest event time seen in a partition minus this.
  AGG_MAX_OUT_OF_ORDER: duration.default('30s'),
  // How late (past the watermark) an event may still update its emitted window.
  AGG_ALLOWED_LATENESS: duration.default('0s'),
  // Beyond the allowed lateness: drop (count in late_dropped, copy to events.late) or reaggregate.
  AGG_LATE_POLICY: z.enum(['drop', 'reaggregate']).default('drop'),
  // Wall-clock time without events after which a partition closes its open windows anyway.
  AGG_IDLE_TIMEOUT: duration.default('60s'),
  // Session inactivity gap.
  AGG_SESSION_GAP: duration.default('30m'),
  // How long closed windows and sessions stay in memory for very late events; bounds memory.
  AGG_RETENTION: duration.default('1h'),
  // Cap on windows + sessions per input partition; past it the oldest close early (metric).
  AGG_MAX_STATE_ENTRIES: positiveInt.max(50_000_000).default(1_000_000),
  // --- Storage writers (`sluice worker storage`) ---
  // JSON file of routing rules (see config/routing.example.json); unset: the specification's table.
  STORAGE_ROUTING_CONFIG: z.string().min(1).optional(),
  // PostgreSQL schema the storage writers write into (tests use one per suite); unset: public.
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .optional(),
  // The Elasticsearch index of error and exception events (created with its mapping if missing).
  SEARCH_ERRORS_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,200}$/, 'a lower-case index name')
    .default('sluice-errors'),
  // Prefix of every realtime-metrics key in Redis (the console reads the same prefix).
  REDIS_KEY_PREFIX: z.string().max(100).default('sluice:'),
  // Where every event is archived: s3://bucket/prefix/ (via AWS_ENDPOINT_URL) or file:///dir/.
  // Unset: file://<SLUICE_HOME or ./.sluice>/archive/, so nothing needs S3 to run locally.
  ARCHIVE_URL: z
    .string()
    .regex(
      /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?|file:\/\/\/.*)$/,
      's3://bucket/prefix or file:///dir',
    )
    .optional(),
  // A sink writes its buffer at this many records, bytes or milliseconds, whichever comes first;
  // the archive waits longer so its objects are fewer and larger.
  STORAGE_MAX_BATCH: positiveInt.max(100_000).default(5000),
  STORAGE_MAX_BATCH_BYTES: positiveInt.max(512 * 1024 * 1024).default(16 * 1024 * 1024),
  STORAGE_FLUSH_MS: positiveInt.max(600_000).default(500),
  STORAGE_ARCHIVE_MAX_BATCH: positiveInt.max(1_000_000).default(50_000),
  STORAGE_ARCHIVE_FLUSH_MS: positiveInt.max(3_600_000).default(5000),
  // Records a sink may hold unwritten before the partitions it holds back are paused: bounds
  // memory, and lets the other sinks keep flowing through a short outage of one.
  STORAGE_MAX_PENDING: positiveInt.max(10_000_000).default(100_000),
  // How often the durable offsets are committed to Kafka.
  STORAGE_COMMIT_INTERVAL_MS: positiveInt.min(50).max(60_000).default(1000),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Brokers as a list of host:port strings. */
export function brokerList(env: Env): string[] {
  return env.KAFKA_BROKERS.split(',');
}

/** The environment for a child process of ours (a worker, a benchmark run): ours plus `extra`. */
export function childProcessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

export function defaultWorkerId(env: Env): string {
  // hostname-pid is unique per process; set SLUICE_WORKER_ID (the pod name) for an id that
  // survives restarts, so a restarted worker aborts its predecessor's open transaction at once.
  return env.SLUICE_WORKER_ID ?? `${hostname()}-${process.pid}`;
}
