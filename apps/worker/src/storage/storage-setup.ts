// Wires the storage writers from the validated environment: the four sinks, their runners and
// batch policies. Shared by `sluice worker storage` and the benchmark.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BatchPolicy, Destination } from '@sluice/core';
import type { Env } from '../env.ts';
import { openArchiveStore } from './archive-store.ts';
import { createElasticsearchSink } from './elasticsearch.sink.ts';
import { createRedisSink } from './redis.sink.ts';
import { createS3Sink } from './s3.sink.ts';
import type { Sink } from './sink.ts';
import { createTimescaleSink } from './timescale.sink.ts';

export function archiveUrl(env: Env): string {
  if (env.ARCHIVE_URL) return env.ARCHIVE_URL;
  return `${pathToFileURL(resolve(env.SLUICE_HOME ?? '.sluice', 'archive')).href}/`;
}

export function createSinks(env: Env): Record<Destination, Sink> {
  return {
    timescaledb: createTimescaleSink({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }),
    elasticsearch: createElasticsearchSink({
      url: env.SEARCH_URL,
      index: env.SEARCH_ERRORS_INDEX,
      refreshIntervalMs: env.SEARCH_REFRESH_INTERVAL_MS,
    }),
    redis: createRedisSink({ url: env.REDIS_URL, prefix: env.REDIS_KEY_PREFIX }),
    s3: createS3Sink(
      openArchiveStore(archiveUrl(env), {
        endpoint: env.AWS_ENDPOINT_URL || undefined,
        region: env.AWS_REGION,
        // moto takes any credentials; against AWS the SDK's default chain applies.
        ...(env.AWS_ENDPOINT_URL
          ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
          : {}),
      }),
    ),
  };
}

export function batchPolicy(env: Env, sink: Destination): BatchPolicy {
  return sink === 's3'
    ? {
        maxRecords: env.STORAGE_ARCHIVE_MAX_BATCH,
        maxBytes: env.STORAGE_MAX_BATCH_BYTES * 4,
        maxAgeMs: env.STORAGE_ARCHIVE_FLUSH_MS,
      }
    : {
        maxRecords: env.STORAGE_MAX_BATCH,
        maxBytes: env.STORAGE_MAX_BATCH_BYTES,
        maxAgeMs: env.STORAGE_FLUSH_MS,
      };
}
