// Readers of the stores the storage stage writes, shared by the suites that check them against
// what was produced: rows per event_id in PostgreSQL, every hit of a search index, the Redis
// realtime data and the stages' own counts of records taken.
import type { Client as Search } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** event_id → how many rows of the events table hold it. */
export async function eventRowsById(db: pg.Pool, schema: string): Promise<Map<string, number>> {
  const r = await db.query(
    `SELECT event_id, count(*)::int AS n FROM "${schema}".events GROUP BY event_id`,
  );
  return new Map(r.rows.map((x) => [x.event_id as string, x.n as number]));
}

/**
 * Every hit of the index (none if it does not exist yet), paged by event_id: a page is capped
 * at 10,000 hits. With `version`, each hit carries its version and sequence number.
 */
export async function allSearchHits(
  search: Search,
  index: string,
  { version = false } = {},
): Promise<{ _id?: string; _version?: number; _seq_no?: number }[]> {
  await search.indices.refresh({ index, ignore_unavailable: true });
  const hits = [];
  let after: (string | number)[] | undefined;
  for (;;) {
    const page = await search.search({
      index,
      size: 5_000,
      sort: [{ event_id: 'asc' }],
      _source: false,
      seq_no_primary_term: version,
      version,
      ignore_unavailable: true,
      ...(after ? { search_after: after } : {}),
    });
    hits.push(...page.hits.hits);
    const last = page.hits.hits.at(-1);
    if (!last || page.hits.hits.length < 5_000) return hits;
    after = last.sort as (string | number)[];
  }
}

/**
 * The realtime data keys and their contents. Latency and the stage counters are left out: they
 * count the work done, which a replay does again, not the events.
 */
export async function realtimeData(
  redis: Redis,
  keyPrefix: string,
): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${keyPrefix}rt:*`))
    .filter(
      (k) => !k.startsWith(`${keyPrefix}rt:latency:`) && !k.startsWith(`${keyPrefix}rt:stage:`),
    )
    .sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const t = await redis.type(k);
    if (t === 'hash') out[k] = await redis.hgetall(k);
    else if (t === 'zset') out[k] = await redis.zrange(k, 0, -1, 'WITHSCORES');
    else out[k] = (await redis.getBuffer(k))?.toString('base64');
  }
  return out;
}

/** Records a stage took from its inputs, as its workers count them for the console. */
export async function stageRecordsIn(
  redis: Redis,
  keyPrefix: string,
  stage: string,
): Promise<number> {
  const keys = await redis.keys(`${keyPrefix}rt:stage:${stage}:in:*`);
  const counts = keys.length > 0 ? await redis.mget(keys) : [];
  return counts.reduce((sum, c) => sum + Number(c ?? 0), 0);
}
