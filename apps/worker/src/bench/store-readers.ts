// Reads the stores back, as a user's query would, independently of the writers: how many events
// a schema's `events` table and a search index hold, how many objects an archive prefix has, and
// which of a set of sampled events are queryable yet (the latency stage's probe).
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client as Search } from '@elastic/elasticsearch';
import pg from 'pg';
import type { Env } from '../env.ts';

export interface StoreReaders {
  eventRows(schema: string): Promise<number>;
  searchDocs(index: string): Promise<number>;
  archiveObjects(archiveUrl: string): Promise<number>;
  /**
   * Which of these events (id, event time) the `events` table of `schema` holds, and when each
   * row's writing transaction began (its ingested_at, PostgreSQL's now()).
   */
  rowsPresent(
    schema: string,
    events: readonly { id: string; timeMs: number }[],
  ): Promise<{ id: string; writtenAtMs: number }[]>;
  /** Which of these ids a search for them finds (what is searchable after refresh). */
  docsPresent(index: string, ids: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

export function openStoreReaders(env: Env): StoreReaders {
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  db.on('error', () => {});
  const search = new Search({ node: env.SEARCH_URL });
  const s3 = new S3Client({
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    region: env.AWS_REGION,
    forcePathStyle: true,
    ...(env.AWS_ENDPOINT_URL
      ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
      : {}),
  });
  return {
    async eventRows(schema) {
      const r = await db.query(`SELECT count(*)::int AS n FROM "${schema}".events`);
      return r.rows[0].n as number;
    },
    async searchDocs(index) {
      if (!(await search.indices.exists({ index }))) return 0;
      await search.indices.refresh({ index });
      return (await search.count({ index })).count;
    },
    async archiveObjects(url) {
      const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
      if (!m) return 0;
      let n = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: m[1], Prefix: m[2], ContinuationToken: token }),
        );
        n += page.KeyCount ?? 0;
        token = page.NextContinuationToken;
      } while (token);
      return n;
    },
    async rowsPresent(schema, events) {
      if (events.length === 0) return [];
      // By the primary key (event_time, event_id): an index lookup per sample.
      const r = await db.query(
        `SELECT e.event_id, (extract(epoch FROM e.ingested_at) * 1000)::float8 AS written
         FROM "${schema}".events e
         JOIN unnest($1::timestamptz[], $2::text[]) AS t(ts, id)
           ON e.event_time = t.ts AND e.event_id = t.id`,
        [events.map((e) => new Date(e.timeMs).toISOString()), events.map((e) => e.id)],
      );
      return r.rows.map((row) => ({
        id: row.event_id as string,
        writtenAtMs: row.written as number,
      }));
    },
    async docsPresent(index, ids) {
      if (ids.length === 0) return [];
      try {
        const r = await search.search({
          index,
          size: ids.length,
          _source: false,
          query: { ids: { values: [...ids] } },
          ignore_unavailable: true,
        });
        return r.hits.hits.flatMap((h) => (h._id ? [h._id] : []));
      } catch {
        // The writer creates the index with its first write: until its shard is up, none yet.
        return [];
      }
    },
    async close() {
      await db.end();
      await search.close();
      s3.destroy();
    },
  };
}
