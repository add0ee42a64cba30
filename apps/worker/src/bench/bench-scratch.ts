// Everything a benchmark run creates lives under one id: topics and consumer groups under its
// topic prefixes, PostgreSQL schemas, Redis key prefixes, a search index and an S3 bucket. Each
// creation registers how to remove it; `cleanup` removes them all (newest first), at the end and
// on Ctrl-C, so other suites sharing the cluster never see them. Kafka's transactional ids of the
// workers cannot be deleted; the broker expires them (transactional.id.expiration.ms).
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Client as Search } from '@elastic/elasticsearch';
import { runMigrations } from '@sluice/db';
import { type Admin, createKafka } from '@sluice/kafka';
import { Redis } from 'ioredis';
import pg from 'pg';
import { brokerList, type Env } from '../env.ts';

export interface Scratch {
  /** Lower-case, letters, digits and dashes: `bench-<time>-<random>`. */
  readonly id: string;
  /** SLUICE_TOPIC_PREFIX of one part of the run. */
  topicPrefix(part: string): string;
  /** A PostgreSQL schema with the migrations applied. */
  schema(part: string): Promise<string>;
  redisPrefix(part: string): string;
  /** An Elasticsearch index name (the sink creates it with its mapping). */
  index(part: string): string;
  /** An S3 bucket, created; an archive URL under it per part. */
  archiveUrl(part: string): Promise<string>;
  /** The run's admin client (connected on first use, closed by cleanup). */
  admin(): Promise<Admin>;
  /** Registers an extra removal, run before the stores' removals. */
  defer(what: string, fn: () => Promise<void>): void;
  /** Removes everything created; returns what could not be removed, with why. */
  cleanup(): Promise<string[]>;
}

export function createScratch(env: Env): Scratch {
  const id = `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const sqlId = id.replaceAll('-', '_');
  const removals: { what: string; fn: () => Promise<void> }[] = [];
  const defer = (what: string, fn: () => Promise<void>) => {
    removals.push({ what, fn });
  };
  let admin: Promise<Admin> | undefined;
  let bucket: Promise<string> | undefined;
  const redisPrefixes: string[] = [];
  /** Once clean-up began, nothing new is created (a stage still running after Ctrl-C). */
  let closed = false;
  const open = (what: string) => {
    if (closed) throw new Error(`not creating ${what}: the run is being cleaned up`);
  };
  const s3 = () =>
    new S3Client({
      endpoint: env.AWS_ENDPOINT_URL || undefined,
      region: env.AWS_REGION,
      forcePathStyle: true,
      ...(env.AWS_ENDPOINT_URL
        ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
        : {}),
    });

  const scratch: Scratch = {
    id,
    topicPrefix: (part) => `${id}-${part}.`,
    async schema(part) {
      open('a schema');
      const name = `${sqlId}_${part.replaceAll('-', '_')}`;
      defer(`schema ${name}`, async () => {
        const c = new pg.Client({ connectionString: env.DATABASE_URL });
        await c.connect();
        try {
          await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
          await c.query(`DROP SCHEMA IF EXISTS "${name}_drizzle" CASCADE`);
        } finally {
          await c.end();
        }
      });
      await runMigrations({ url: env.DATABASE_URL, schema: name });
      return name;
    },
    redisPrefix(part) {
      const p = `${id}:${part}:`;
      if (redisPrefixes.length === 0)
        defer('redis keys', async () => {
          const r = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 });
          try {
            for (const prefix of redisPrefixes) await deleteKeys(r, `${prefix}*`);
          } finally {
            r.disconnect();
          }
        });
      redisPrefixes.push(p);
      return p;
    },
    index(part) {
      const name = `${id}-${part}`;
      defer(`search index ${name}`, async () => {
        const es = new Search({ node: env.SEARCH_URL });
        try {
          await es.indices.delete({ index: name, ignore_unavailable: true });
        } finally {
          await es.close();
        }
      });
      return name;
    },
    async archiveUrl(part) {
      open('a bucket');
      bucket ??= (async () => {
        const client = s3();
        await client.send(new CreateBucketCommand({ Bucket: id }));
        client.destroy();
        defer(`bucket ${id}`, () => deleteBucket(s3(), id));
        return id;
      })();
      return `s3://${await bucket}/${part}/`;
    },
    admin() {
      admin ??= (async () => {
        const a = createKafka({ brokers: brokerList(env), clientId: `sluice-${id}` }).admin();
        await a.connect();
        return a;
      })();
      return admin;
    },
    defer,
    async cleanup() {
      closed = true;
      const failed: string[] = [];
      const run = async (what: string, fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (err) {
          failed.push(`${what}: ${(err as Error).message}`);
        }
      };
      for (const r of removals.splice(0).reverse()) await run(r.what, r.fn);
      await run('topics and groups', async () => {
        const a = await scratch.admin();
        // A member that died without leaving keeps its group non-empty until its session
        // times out (10 s): ask again until then.
        for (let attempt = 1; ; attempt++) {
          const groups = (await a.listGroups()).groups
            .map((g) => g.groupId)
            .filter((g) => g.startsWith(`${id}-`));
          if (groups.length === 0) break;
          try {
            await a.deleteGroups(groups);
            break;
          } catch (err) {
            if (attempt >= 10) throw err;
            await new Promise((r) => setTimeout(r, 2000));
          }
        }
        const topics = (await a.listTopics()).filter((t) => t.startsWith(`${id}-`));
        if (topics.length > 0) await a.deleteTopics({ topics, timeout: 30_000 });
      });
      if (admin) await run('admin client', async () => (await admin)?.disconnect());
      admin = undefined;
      return failed;
    },
  };
  return scratch;
}

async function deleteKeys(r: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.unlink(...keys);
  } while (cursor !== '0');
}

async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
