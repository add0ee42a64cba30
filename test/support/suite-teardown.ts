// What a suite leaves on the shared stack, removed in one place and in one order: its worker
// processes first (so nothing writes while the rest goes), then its prefixed topics and groups,
// its database schema (and drizzle's beside it), its search index and its Redis keys. Each suite
// names what it made; the clients it passes are closed.
import type { Client as Search } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { deleteGroups, deletePrefixedTopics } from './kafka-reader.ts';
import type { Worker } from './sluice-cli.ts';

export interface SuiteResources {
  workers?: Iterable<Worker | undefined>;
  topicPrefix: string;
  /** Groups to delete beside the topics; a group that is gone already is no error. */
  groups?: string[];
  postgres?: { db: pg.Pool; schema: string };
  search?: { client: Search; index: string };
  redis?: { client: Redis; keyPrefix: string };
}

export async function tearDownSuite(r: SuiteResources): Promise<void> {
  for (const w of r.workers ?? []) w?.child.kill('SIGKILL');
  await deletePrefixedTopics(r.topicPrefix);
  if (r.groups?.length) await deleteGroups(r.groups).catch(() => {});
  if (r.postgres) {
    const { db, schema } = r.postgres;
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
    await db.end();
  }
  if (r.search) {
    await r.search.client.indices.delete({ index: r.search.index, ignore_unavailable: true });
    await r.search.client.close();
  }
  if (r.redis) {
    const { client, keyPrefix } = r.redis;
    const keys = await client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  }
}
