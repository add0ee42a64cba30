// The worker's configuration: every environment variable Sluice reads is declared and validated
// here, once, at start-up. A bad value stops the process with a message naming the variable.
// Each variable's `.describe()` text is its entry in docs/configuration.md (`pnpm docs:config`).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseDuration, parseWindowSizes } from '@sluice/core';
import { DEFAULT_FETCH, type FetchTuning } from '@sluice/kafka';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const duration = z
  .string()
  .refine((v) => parseDuration(v).ok, 'a duration such as 0s, 30s, 5m, 1h');

export const envSchema = z.object({
  SLUICE_HOME: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Sluice's working directory: the local stack's data and logs, the default file archive and the console's development sign-in secret. Unset: ./.sluice.",
    ),
  SLUICE_CACHE_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Where downloaded service binaries (Kafka, Elasticsearch, moto) are kept for the local stack. Unset: ~/.cache/sluice.',
    ),
  GO_BINARY: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The Go toolchain for the GeoIP test-database builder (`sluice geoip build-test-db`), when it is not found where go-toolchain.ts looks.',
    ),
  SLUICE_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'])
    .default('info')
    .describe('Lowest level of the log lines a process writes.'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'a comma-separated list of host:port')
    .default('127.0.0.1:9092')
    .describe('Kafka bootstrap brokers, a comma-separated list of host:port.'),
  SLUICE_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'letters, digits, dot, underscore or dash')
    .default('')
    .describe(
      'Prepended to every topic and consumer-group name: for tests, or several pipelines on one cluster. The console must use the same.',
    ),
  TOPIC_PARTITIONS: positiveInt
    .max(1024)
    .default(12)
    .describe(
      'Partitions of each pipeline topic created by `sluice topics create`; also the most consumers a group can use (more replicas sit idle).',
    ),
  TOPIC_REPLICATION_FACTOR: positiveInt
    .max(7)
    .optional()
    .describe(
      "Replication factor of the topics `sluice topics create` makes (with min.insync.replicas = factor - 1, between 1 and 2). Unset: the cluster's default.replication.factor.",
    ),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://sluice@127.0.0.1:5432/sluice')
    .describe(
      'PostgreSQL/TimescaleDB: window aggregates, sessions, stored events, the DLQ index, lag history, users and audit. A database owner is enough; no superuser needed.',
    ),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .default('redis://127.0.0.1:6379')
    .describe("Redis: realtime metrics (TTL at most 24 h) and the stages' live counters."),
  SEARCH_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:9200')
    .describe('Elasticsearch or OpenSearch, where error and exception events are stored.'),
  AWS_ENDPOINT_URL: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .default('http://127.0.0.1:4566')
    .describe(
      "The S3 and CloudWatch endpoint; the default is the local stack's moto server. The empty string uses AWS itself.",
    ),
  AWS_REGION: z
    .string()
    .min(1)
    .default('us-east-1')
    .describe('AWS region of the S3 archive and CloudWatch.'),
  SEARCH_HEAP_MB: positiveInt
    .min(256)
    .max(8192)
    .default(768)
    .describe("Local stack only: the Elasticsearch JVM's heap, in MB."),
  KAFKA_HEAP_MB: positiveInt
    .min(256)
    .max(8192)
    .default(512)
    .describe("Local stack only: the Kafka broker JVM's heap, in MB."),
  JAVA_HOME: z
    .string()
    .min(1)
    .optional()
    .describe('Local stack only: the Java runtime for Kafka, when not found on the PATH.'),
  GEOIP_CITY_DB: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Path of a GeoIP2/GeoLite2 City .mmdb file; required by the enrichment worker. Re-opened when the file changes (polled every GEOIP_RELOAD_CHECK_MS), without a restart.',
    ),
  SLUICE_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash; at most 100')
    .optional()
    .describe(
      "Stable id of this worker instance (the pod name, say): part of its Kafka transactional id and, when set, its static group membership, so a restarted worker gets its partitions back and aborts its predecessor's open transaction at once. Unset: host-pid-random, new at every start.",
    ),
  ENRICH_MAX_BATCH: positiveInt
    .max(100_000)
    .default(2000)
    .describe('Most records the enrichment worker takes per poll.'),
  STAGE_COMMIT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(100)
    .describe(
      "The exactly-once stages commit a transaction at most this often, in ms (Kafka Streams' commit.interval.ms under exactly-once is 100 ms): at low rates a few transactions a second instead of one per poll; the latency it adds is at most this. 0: after every batch. The DLQ indexer commits its offsets at this interval too; the aggregation stage has its own, AGG_COMMIT_INTERVAL_MS.",
    ),
  AGG_COMMIT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(1000)
    .describe(
      'The aggregation stage commits a transaction at most this often, in ms; each transaction writes every window and session changed since the last one to the changelog, window sketches of up to 13 KB included. At low rates a shorter interval writes the same windows again and again (about 7 KB of changelog per event at 200 events/s with 100 ms); the windows and sessions it emits come up to this much later. 0: after every batch.',
    ),
  STAGE_FETCH_MIN_BYTES: positiveInt
    .max(52_428_800)
    .default(DEFAULT_FETCH.minBytes)
    .describe(
      "The stages' consumers ask the broker to answer a fetch once this many bytes are ready, or after STAGE_FETCH_WAIT_MS: a quiet pipeline fetches a few times a second instead of once per record, for a latency of at most STAGE_FETCH_WAIT_MS per stage. 1 answers at every record (librdkafka's default).",
    ),
  STAGE_FETCH_WAIT_MS: positiveInt
    .max(10_000)
    .default(DEFAULT_FETCH.waitMaxMs)
    .describe(
      "Longest the broker holds a fetch of the stages' consumers waiting for STAGE_FETCH_MIN_BYTES, in ms (Kafka's own fetch.max.wait.ms default). It only binds below about 64 KB per wait: at 5,000 events/s the bytes come first and 100 gave the same p99; at 200 events/s 500 took `pnpm start` from 20.7% to 13.5% of a core, for up to this much more latency per stage (docs/performance.md).",
    ),
  STAGE_PREFETCH_KB: positiveInt
    .min(1024)
    .max(2_097_151)
    .default(DEFAULT_FETCH.prefetchKb)
    .describe(
      "Most kilobytes of fetched records a stage's consumer holds ahead of the stage (librdkafka's queued.max.messages.kbytes, whose own default is 65,536). Half of librdkafka's default, with a smaller young generation, took about 100 MB off the aggregation worker's peak memory at the same throughput (docs/performance.md); 16,384 cost about 15% of it, and below that the fetches stall.",
    ),
  WORKER_STOP_TIMEOUT_MS: positiveInt
    .min(1000)
    .max(600_000)
    .default(25_000)
    .describe(
      "A worker asked to stop (SIGTERM) commits or aborts the batch in hand and leaves its group within this long, in ms, or exits 1 saying so. Keep it below the orchestrator's grace period (Kubernetes: 30 s by default) so the reason is logged before the SIGKILL.",
    ),
  ENRICH_UNKNOWN_FIELDS: z
    .enum(['keep', 'reject'])
    .default('keep')
    .describe(
      'Top-level fields an event has beyond the schema: keep them (moved into `properties`), or reject the event (to the DLQ).',
    ),
  ENRICH_DEDUP_HORIZON_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(120_000)
    .describe(
      "Duplicates by event_id (an upstream producer's retry: the same event as a new record) are dropped by the enrichment stage when they arrive within this long of the first, in ms, by Kafka timestamp (producers retry for up to delivery.timeout.ms, 2 min by default). 0: off.",
    ),
  ENRICH_DEDUP_MAX_IDS: positiveInt
    .max(10_000_000)
    .default(500_000)
    .describe(
      'Event ids the dedup window keeps per input partition at most (about 150 bytes each); beyond, the oldest go.',
    ),
  GEOIP_RELOAD_CHECK_MS: positiveInt
    .min(100)
    .max(3_600_000)
    .default(5000)
    .describe('How often the GeoIP file is checked for a new version, in ms.'),
  GEOIP_CACHE_SIZE: positiveInt
    .max(10_000_000)
    .default(100_000)
    .describe('IP addresses whose GeoIP lookup is cached (LRU), per enrichment worker.'),
  UA_CACHE_SIZE: positiveInt
    .max(1_000_000)
    .default(20_000)
    .describe('User-agent strings whose parse is cached (LRU), per enrichment worker.'),
  CLOUDWATCH_NAMESPACE: z
    .string()
    .min(1)
    .max(255)
    .default('Sluice')
    .describe(
      "CloudWatch namespace of the lag monitor's metrics and of the alarms `sluice alarms apply` creates; one per environment keeps staging alarms off production data.",
    ),
  LAG_MONITOR_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(9464)
    .describe(
      "Port of the lag monitor's /metrics, /healthz and /readyz (9464: the Prometheus exporter convention, away from the console's and the stack's ports). 0: any free port.",
    ),
  LAG_WARN_OFFSET_LAG: positiveInt
    .optional()
    .describe(
      'Optional status threshold: a partition whose offset lag is above it is WARN even when its trend is fine. Unset: only the Burrow-style trend rules apply.',
    ),
  LAG_WARN_TIME_LAG_S: positiveInt
    .optional()
    .describe(
      'Optional status threshold: a partition whose time lag, in seconds, is above it is WARN even when its trend is fine. Unset: only the trend rules apply.',
    ),
  AGG_MAX_BATCH: positiveInt
    .max(100_000)
    .default(2000)
    .describe(
      'Most records the aggregation worker takes per poll (`sluice aggregate` takes the AGG_ settings as flags).',
    ),
  AGG_WINDOWS: z
    .string()
    .refine((v) => parseWindowSizes(v).ok, 'window sizes such as 1m,5m,1h')
    .default('1m,5m,1h')
    .describe('Tumbling window sizes, comma-separated. The console must use the same.'),
  AGG_DIMENSIONS: z
    .string()
    .regex(/^((country|device_type)(,(country|device_type))*)?$/, "'', country, device_type")
    .default('')
    .describe(
      "Extra window dimensions beside the event type, comma-separated: '' or any of country, device_type.",
    ),
  AGG_MAX_OUT_OF_ORDER: duration
    .default('30s')
    .describe(
      'Out-of-orderness bound: the watermark is the highest event time seen in a partition minus this.',
    ),
  AGG_ALLOWED_LATENESS: duration
    .default('0s')
    .describe(
      'How late (past the watermark) an event may still update its already emitted window; the stored aggregate is replaced, not added to.',
    ),
  AGG_LATE_POLICY: z
    .enum(['drop', 'reaggregate'])
    .default('drop')
    .describe(
      "Events beyond the allowed lateness: drop (counted in the window's late_dropped, copied to events.late) or reaggregate (counted in the window as late-accepted, and the window is emitted again). A window already evicted from memory (AGG_RETENTION) counts them as late-dropped either way.",
    ),
  AGG_IDLE_TIMEOUT: duration
    .default('60s')
    .describe(
      'Wall-clock time without events after which a partition closes its open windows anyway.',
    ),
  AGG_SESSION_GAP: duration.default('30m').describe('Session inactivity gap.'),
  AGG_RETENTION: duration
    .default('1h')
    .describe(
      'How long closed windows and sessions stay in memory for late events; bounds memory.',
    ),
  AGG_MAX_STATE_ENTRIES: positiveInt
    .max(50_000_000)
    .default(1_000_000)
    .describe(
      'Cap on windows plus sessions per input partition; past it the oldest close early (counted in a metric).',
    ),
  STORAGE_ROUTING_CONFIG: z
    .string()
    .min(1)
    .optional()
    .describe(
      "JSON file of the storage writers' routing rules (keys below; example: config/routing.example.json), re-read when it changes. Unset: the specification's table.",
    ),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .optional()
    .describe(
      'PostgreSQL schema the storage writers and the DLQ indexer use (tests use one per suite). Unset: public.',
    ),
  SEARCH_ERRORS_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,200}$/, 'a lower-case index name')
    .default('sluice-errors')
    .describe(
      'The Elasticsearch index of error and exception events, created with its mapping if missing.',
    ),
  SEARCH_REFRESH_INTERVAL_MS: positiveInt
    .min(100)
    .max(3_600_000)
    .default(500)
    .describe(
      "How often the errors index makes new documents searchable, in ms (its refresh_interval, applied to an index that exists too): part of an error's time from produce to searchable. Shorter costs the search engine more segments to merge: at 200 events/s, about 5% of a core at 1000 ms and 9% at 250 ms (docs/performance.md).",
    ),
  REDIS_KEY_PREFIX: z
    .string()
    .max(100)
    .default('sluice:')
    .describe('Prefix of every key Sluice writes in Redis; the console reads the same prefix.'),
  ARCHIVE_URL: z
    .string()
    .regex(
      /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?|file:\/\/\/.*)$/,
      's3://bucket/prefix or file:///dir',
    )
    .optional()
    .describe(
      'Where every event is archived: s3://bucket/prefix/ (through AWS_ENDPOINT_URL) or file:///dir/. Unset: file://<SLUICE_HOME or ./.sluice>/archive/, so nothing needs S3 to run locally.',
    ),
  STORAGE_MAX_BATCH: positiveInt
    .max(100_000)
    .default(5000)
    .describe(
      'A sink writes its buffer at this many records, STORAGE_MAX_BATCH_BYTES or STORAGE_FLUSH_MS, whichever comes first (the archive has its own two).',
    ),
  STORAGE_MAX_BATCH_BYTES: positiveInt
    .max(512 * 1024 * 1024)
    .default(16 * 1024 * 1024)
    .describe('A sink writes its buffer at this many bytes at most.'),
  STORAGE_FLUSH_MS: positiveInt
    .max(600_000)
    .default(200)
    .describe(
      "A sink writes its buffer when its oldest record has waited this long, in ms: at low rates, part of an event's time from produce to queryable.",
    ),
  STORAGE_ARCHIVE_MAX_BATCH: positiveInt
    .max(1_000_000)
    .default(50_000)
    .describe(
      'The archive (S3 or file) writes at this many records: it waits longer so its objects are fewer and larger.',
    ),
  STORAGE_ARCHIVE_FLUSH_MS: positiveInt
    .max(3_600_000)
    .default(5000)
    .describe('The archive writes when its oldest record has waited this long, in ms.'),
  STORAGE_MAX_PENDING: positiveInt
    .max(10_000_000)
    .default(100_000)
    .describe(
      'Records a sink may hold unwritten before the partitions it holds back are paused: bounds memory, and lets the other sinks keep flowing through a short outage of one.',
    ),
  STORAGE_COMMIT_INTERVAL_MS: positiveInt
    .min(50)
    .max(60_000)
    .default(1000)
    .describe('How often the storage writers commit their durable offsets to Kafka, in ms.'),
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

/** When the broker answers the stages' fetches, and how much they read ahead. */
export function stageFetch(env: Env): FetchTuning {
  return {
    minBytes: env.STAGE_FETCH_MIN_BYTES,
    waitMaxMs: env.STAGE_FETCH_WAIT_MS,
    prefetchKb: env.STAGE_PREFETCH_KB,
  };
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
  // hostname-pid-random is unique per process; set SLUICE_WORKER_ID (the pod name) for an id that
  // survives restarts, so a restarted worker aborts its predecessor's open transaction at once.
  // A random part too: containers on the host network share the hostname and often the pid,
  // and two workers with one id share a Kafka transactional id and fence each other.
  return env.SLUICE_WORKER_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
