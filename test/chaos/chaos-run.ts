// One chaos run's private corner of the shared stack: its own topic prefix (so its own topics and
// consumer groups), PostgreSQL schema, search index, Redis key prefix and S3 bucket, the
// environment every `sluice` process of the run gets, the clients the checks read the stores
// with, and the clean-up that removes all of it again, whatever failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Client as Search } from '@elastic/elasticsearch';
import { type PipelineNames, pipelineNames } from '@sluice/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { localAwsCredentials, testEnv, uniqueName } from '../env.ts';
import { deleteGroups, deletePrefixedTopics } from '../support/kafka-reader.ts';
import { sluiceOk } from '../support/sluice-cli.ts';

export interface ChaosRun {
  /** Lower-case, dash-separated: valid as a topic prefix, bucket and index name. */
  name: string;
  prefix: string;
  schema: string;
  bucket: string;
  index: string;
  redisPrefix: string;
  names: PipelineNames;
  /** A scratch directory for input files and the GeoIP test database. */
  dir: string;
  geoDb: string;
  env: NodeJS.ProcessEnv;
  db: pg.Pool;
  redis: Redis;
  search: Search;
  s3: S3Client;
  /** Creates the run's topics, schema, bucket and GeoIP database. */
  setUp(): Promise<void>;
  /** Removes everything the run created; safe to call after a failed set-up. */
  cleanUp(): Promise<void>;
}

/** The database URL with the run's schema as the search path, for processes that take no schema. */
function urlWithSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export function createChaosRun(tag: string, extraEnv: Record<string, string> = {}): ChaosRun {
  const name = uniqueName(`chaos-${tag}`).replaceAll('_', '-').toLowerCase();
  const prefix = `${name}.`;
  const schema = name.replaceAll('-', '_');
  const dir = mkdtempSync(join(tmpdir(), `sluice-${tag}-`));
  const geoDb = join(dir, 'city.mmdb');
  const names = pipelineNames(prefix);
  const run: ChaosRun = {
    name,
    prefix,
    schema,
    bucket: name,
    index: `${name}-errors`,
    redisPrefix: `${name}:`,
    names,
    dir,
    geoDb,
    env: {
      ...process.env,
      SLUICE_TOPIC_PREFIX: prefix,
      DATABASE_SCHEMA: schema,
      // The lag monitor takes no schema of its own: its lag_samples go to the run's schema too.
      DATABASE_URL: urlWithSearchPath(testEnv.databaseUrl, schema),
      SEARCH_ERRORS_INDEX: `${name}-errors`,
      REDIS_KEY_PREFIX: `${name}:`,
      ARCHIVE_URL: `s3://${name}/archive/`,
      CLOUDWATCH_NAMESPACE: `Sluice/${name}`,
      GEOIP_CITY_DB: geoDb,
      ...extraEnv,
    },
    db: new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 }),
    redis: new Redis(testEnv.redisUrl),
    search: new Search({ node: testEnv.searchUrl, requestTimeout: 60_000 }),
    s3: new S3Client({
      endpoint: testEnv.awsEndpoint,
      region: testEnv.awsRegion,
      credentials: localAwsCredentials,
      forcePathStyle: true,
    }),
    async setUp() {
      await sluiceOk(['geoip', 'build-test-db', '--out', geoDb], run.env);
      await sluiceOk(['topics', 'create'], run.env);
      await sluiceOk(['migrate', '--schema', schema], run.env);
      await run.s3.send(new CreateBucketCommand({ Bucket: run.bucket }));
    },
    async cleanUp() {
      // Each step on its own: one that fails must not leave the others' leftovers behind.
      const steps: [string, () => Promise<unknown>][] = [
        ['topics', () => deletePrefixedTopics(prefix)],
        ['groups', () => deleteGroups(Object.values(names.groups)).catch(() => undefined)],
        ['schema', () => run.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)],
        ['migrations', () => run.db.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`)],
        ['index', () => run.search.indices.delete({ index: run.index, ignore_unavailable: true })],
        ['redis', () => deleteRedisKeys(run.redis, run.redisPrefix)],
        ['bucket', () => deleteBucket(run.s3, run.bucket)],
      ];
      const failures: string[] = [];
      for (const [what, step] of steps)
        await step().catch((err: Error) => failures.push(`${what}: ${err.message}`));
      await run.db.end();
      await run.search.close();
      run.redis.disconnect();
      run.s3.destroy();
      rmSync(dir, { recursive: true, force: true });
      if (failures.length > 0) throw new Error(`clean-up incomplete: ${failures.join('; ')}`);
    },
  };
  return run;
}

async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket }))
      .catch((err: { name?: string }) => {
        if (err.name === 'NoSuchBucket') return undefined;
        throw err;
      });
    if (page === undefined) return;
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
