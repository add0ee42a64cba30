// `sluice trace` on the real stack, as users run it: events produced with `sluice produce` go
// through the real enrichment worker, storage writer and DLQ indexer under their own prefix,
// schema, index, Redis prefix and archive; the trace of each names the stores that hold it, as
// the stores themselves say (queried here directly), and a malformed event's trace shows its
// dead letter and its raw record at the dead letter's source offset, read alone.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client as Search } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';
import { deletePrefixedTopics, groupLag } from '../support/kafka-reader.ts';
import { sluiceOk, startSluice, type Worker, waitFor } from '../support/sluice-cli.ts';

const name = uniqueName('it-trace').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_');
const dir = mkdtempSync(join(tmpdir(), 'sluice-trace-'));
const index = `${name}-errors`;
const redisPrefix = `${name}:`;
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  DATABASE_SCHEMA: schema,
  GEOIP_CITY_DB: join(dir, 'city.mmdb'),
  SEARCH_ERRORS_INDEX: index,
  REDIS_KEY_PREFIX: redisPrefix,
  ARCHIVE_URL: `${pathToFileURL(join(dir, 'archive')).href}/`,
  ENRICH_MAX_BATCH: '200',
  STORAGE_FLUSH_MS: '300',
  STORAGE_ARCHIVE_FLUSH_MS: '1000',
  STORAGE_COMMIT_INTERVAL_MS: '300',
  STAGE_COMMIT_INTERVAL_MS: '300',
};
const topics = { raw: `${prefix}events.raw`, enriched: `${prefix}events.enriched` };
const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const search = new Search({ node: testEnv.searchUrl, requestTimeout: 30_000 });
const redis = new Redis(testEnv.redisUrl);
const workers: Worker[] = [];

const now = Date.now();
const event = (id: string, i: number, type: string) => ({
  event_id: id,
  type,
  timestamp: new Date(now + i).toISOString(),
  user_id: `u${i % 7}`,
  session_id: `s${i % 5}`,
  url: `https://shop.example.com/p/${i % 3}`,
  ...(type === 'error' ? { message: `checkout failed ${i}` } : {}),
});
// Filler so the trace has records to skip, in every partition.
const FILLER = Array.from({ length: 300 }, (_, i) => event(`fill-${i}`, i, 'click'));
const PAGEVIEW = event('trace-pv', 1000, 'pageview');
const ERROR = event('trace-err', 1001, 'error');
const BAD = { ...event('trace-bad', 1002, 'pageview'), ip: '300.1.2.3' };

interface Trace {
  event_id: string;
  raw: { topic: string; partition: number; offset: number; timestamp: string } | null;
  enriched: {
    topic: string;
    partition: number;
    offset: number;
    value: { geo_status?: string };
  } | null;
  dlq: { stage: string; errorClass: string; source: { topic: string; offset: string } | null }[];
  stores: {
    timescaledb: boolean;
    elasticsearch: boolean | null;
    redis: { applied: boolean | null; minuteKeys: string[] } | null;
    s3: string | null;
  };
  search: { records_read: number };
  elapsed_ms: number;
}

async function trace(id: string): Promise<Trace> {
  const r = await sluiceOk(['trace', id, '--json'], env);
  return JSON.parse(r.stdout) as Trace;
}

const caughtUp = async () =>
  (await groupLag(`${prefix}enrichment-workers`, topics.raw)) === 0 &&
  (await groupLag(`${prefix}storage-writers`, topics.enriched)) === 0 &&
  (await groupLag(`${prefix}dlq-indexers`, `${prefix}events.dlq`)) === 0;

beforeAll(async () => {
  await sluiceOk(
    ['geoip', 'build-test-db', '--out', env.GEOIP_CITY_DB, '--build-epoch', '1700000000'],
    env,
  );
  await sluiceOk(['migrate', '--schema', schema], env);
  await sluiceOk(['topics', 'create'], env);
  const input = join(dir, 'raw.ndjson');
  const lines = [...FILLER.slice(0, 150), PAGEVIEW, ERROR, BAD, ...FILLER.slice(150)];
  writeFileSync(input, `${lines.map((e) => JSON.stringify(e)).join('\n')}\n`);
  await sluiceOk(['produce', '--input', input], env);
  for (const [w, id] of [
    ['enrichment', 'e1'],
    ['storage', 's1'],
    ['dlq-indexer', 'i1'],
  ] as const)
    workers.push(startSluice(['worker', w, '--metrics-port', '0', '--worker-id', id], env));
  await waitFor(
    'the dead letter in the index',
    async () =>
      (await db.query(`SELECT 1 FROM "${schema}".dlq_entries WHERE event_id = $1`, [BAD.event_id]))
        .rowCount === 1,
    120_000,
  );
  await waitFor('the pipeline to catch up', caughtUp, 120_000);
  // The archive writes on its own, slower schedule (STORAGE_ARCHIVE_FLUSH_MS): past the lag
  // reaching 0, give it its flush interval twice over.
  await new Promise((r) => setTimeout(r, 2500));
}, 240_000);

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await deletePrefixedTopics(prefix);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await db.end();
  await search.indices.delete({ index }, { ignore: [404] });
  await search.close();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('sluice trace', () => {
  it('names the stores that hold a pageview, as the stores say, reading few records', async () => {
    const t = await trace(PAGEVIEW.event_id);
    const row = await db.query(`SELECT 1 FROM "${schema}".events WHERE event_id = $1`, [
      PAGEVIEW.event_id,
    ]);
    expect(row.rowCount).toBe(1);
    expect(t.stores.timescaledb).toBe(true);
    expect(t.stores.elasticsearch).toBe(false);
    expect(t.raw?.topic).toBe(topics.raw);
    expect(t.enriched?.topic).toBe(topics.enriched);
    // Key = session_id: the raw and enriched records sit in the same partition.
    expect(t.enriched?.partition).toBe(t.raw?.partition);
    expect(t.enriched?.value.geo_status).toBeDefined();
    expect(t.stores.redis?.applied).toBe(true);
    expect(t.stores.redis?.minuteKeys.length).toBeGreaterThan(0);
    expect(t.stores.s3).toMatch(
      new RegExp(
        `^dt=.*/${topics.enriched.replaceAll('.', '\\.')}-${t.enriched?.partition}-\\d+-\\d+\\.ndjson\\.gz$`,
      ),
    );
    expect(t.dlq).toEqual([]);
    // Bounded: never more records than the topics hold, and here fewer than both topics.
    expect(t.search.records_read).toBeLessThan(2 * (FILLER.length + 3));
    console.info(`trace of a pageview: ${t.elapsed_ms} ms, ${t.search.records_read} records read`);
  });

  it('finds an error event through the search index, which holds it', async () => {
    const t = await trace(ERROR.event_id);
    const doc = await search.exists({ index, id: ERROR.event_id });
    expect(doc).toBe(true);
    expect(t.stores).toMatchObject({ timescaledb: false, elasticsearch: true });
    expect(t.enriched?.offset).toBeGreaterThanOrEqual(0);
    expect(t.raw?.offset).toBeGreaterThanOrEqual(0);
    expect(t.stores.s3).not.toBeNull();
  });

  it("shows a malformed event's dead letter and its raw record, read at the source offset", async () => {
    const t = await trace(BAD.event_id);
    expect(t.dlq).toHaveLength(1);
    expect(t.dlq[0]).toMatchObject({ stage: 'enrichment', source: { topic: topics.raw } });
    expect(t.raw).toMatchObject({ topic: topics.raw, offset: Number(t.dlq[0]?.source?.offset) });
    expect(t.enriched).toBeNull();
    expect(t.stores).toMatchObject({ timescaledb: false, elasticsearch: false, s3: null });
    expect(t.search.records_read).toBe(1);
  });

  it('reads nothing for an unknown event and says so', async () => {
    const t = await trace('no-such-event');
    expect(t.raw).toBeNull();
    expect(t.enriched).toBeNull();
    expect(t.search.records_read).toBe(0);
  });
});
