// An offset reset to a timestamp on the real stack, as users run it (`sluice stage stop`,
// `stage reset --to-datetime`, `stage resume`): enrichment and storage workers on a prefixed
// pipeline store two batches of events produced seconds apart; the storage stage is stopped, its
// group reset to a time between the batches and resumed. The storage writers read exactly the
// second batch again (their own count of records taken), and every store stays as it was:
// PostgreSQL and the search index keyed by event_id, the Redis realtime counters and the archive
// (their offset fences), with no event written twice.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Client as Search } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEvents } from '../enrichment/raw-events.fixture.ts';
import { testEnv, uniqueName } from '../env.ts';
import { groupLag } from '../support/kafka-reader.ts';
import { produceLines, sluiceOk, waitFor } from '../support/sluice-cli.ts';
import { stopStage } from '../support/stage-cli.ts';
import { eventRowsById, realtimeData, stageRecordsIn } from '../support/store-readers.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';

const name = uniqueName('it-reset').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_');
const index = `${name}-errors`;
const redisPrefix = `${name}:`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-reset-'));
const archiveDir = join(dir, 'archive');
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  DATABASE_SCHEMA: schema,
  GEOIP_CITY_DB: join(dir, 'city.mmdb'),
  KAFKA_BROKERS: testEnv.kafkaBrokers,
  SEARCH_ERRORS_INDEX: index,
  REDIS_KEY_PREFIX: redisPrefix,
  ARCHIVE_URL: `${pathToFileURL(archiveDir).href}/`,
  STORAGE_MAX_BATCH: '300',
  STORAGE_FLUSH_MS: '200',
  STORAGE_ARCHIVE_FLUSH_MS: '500',
  STORAGE_COMMIT_INTERVAL_MS: '300',
};
const raw = `${prefix}events.raw`;
const enriched = `${prefix}events.enriched`;
const group = `${prefix}storage-writers`;
const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const search = new Search({ node: testEnv.searchUrl, requestTimeout: 60_000 });
const redis = new Redis(testEnv.redisUrl);
const workers = workerProcesses(env);

/** A batch of raw events: pageviews and clicks (to PostgreSQL) and errors (to the search index). */
function batch(tag: string, n: number) {
  const r = rawEvents(n, 40, tag);
  const errors = Array.from({ length: Math.floor(n / 20) }, (_, i) => ({
    event_id: `${tag}-err-${i}`,
    type: 'error',
    timestamp: Date.parse('2026-11-27T10:30:00Z') + i * 997,
    user_id: `u${i % 31}`,
    session_id: `s${i % 53}`,
    url: `https://shop.example.com/p/${i % 7}`,
    message: `price undefined on item ${i % 5}`,
    stack: 'TypeError: price undefined\n    at render (cart.js:12)',
  }));
  return {
    lines: [...r.lines, ...errors.map((e) => JSON.stringify(e))],
    valid: new Set([...r.valid, ...errors.map((e) => e.event_id)]),
  };
}

const produce = (lines: string[], file: string) => produceLines(env, join(dir, file), lines);

/** event_id → rows with it in PostgreSQL. */
const pgCounts = () => eventRowsById(db, schema);

/** The search index's documents: id → source (versions move on a rewrite; contents must not). */
async function searchDocs(): Promise<Map<string, unknown>> {
  await search.indices.refresh({ index, ignore_unavailable: true });
  const page = await search.search({
    index,
    size: 10_000,
    ignore_unavailable: true,
    query: { match_all: {} },
  });
  return new Map(page.hits.hits.map((h) => [h._id as string, h._source]));
}

const redisData = () => realtimeData(redis, redisPrefix);

/** Records the storage writers took from their inputs, as they count them for the console. */
const storageIn = () => stageRecordsIn(redis, redisPrefix, 'storage');

/** Every event_id in the archive's objects, as often as it is archived. */
function archivedIds(): string[] {
  const ids: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ndjson.gz'))
        for (const line of gunzipSync(readFileSync(p)).toString().split('\n'))
          if (line) ids.push(JSON.parse(line).event_id);
    }
  };
  walk(archiveDir);
  return ids;
}

const start = (stage: 'enrichment' | 'storage', id: string) => workers.start(stage, id);

beforeAll(async () => {
  await sluiceOk(['geoip', 'build-test-db', '--out', env.GEOIP_CITY_DB], env);
  await sluiceOk(['topics', 'create'], env);
  await sluiceOk(['migrate', '--schema', schema], env);
}, 120_000);

afterAll(
  () =>
    tearDownSuite({
      workers: workers.all,
      topicPrefix: prefix,
      groups: [group, `${prefix}enrichment-workers`],
      postgres: { db, schema },
      search: { client: search, index },
      redis: { client: redis, keyPrefix: redisPrefix },
    }),
  60_000,
);

describe('sluice stage reset --to-datetime on the storage stage', () => {
  it('reads exactly the events after the time again and leaves every store exact', async () => {
    const first = batch('rst-a', 1200);
    const second = batch('rst-b', 800);
    const all = new Set([...first.valid, ...second.valid]);
    start('enrichment', 'e1');
    const storage = start('storage', 's1');
    await storage.waitForLog(/partitions assigned: .*events\.enriched\[\d+\]/, 60_000);

    await produce(first.lines, 'first.ndjson');
    await waitFor(
      'the first batch stored',
      async () => (await groupLag(group, enriched)) === 0 && (await pgCounts()).size > 0,
      90_000,
    );
    // The reset's time: after every record of the first batch, before any of the second.
    await new Promise((r) => setTimeout(r, 1500));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1500));
    await produce(second.lines, 'second.ndjson');
    await waitFor(
      'the enrichment of both batches',
      async () => (await groupLag(`${prefix}enrichment-workers`, raw)) === 0,
      90_000,
    );
    await waitFor(
      'both batches stored and archived',
      async () => (await groupLag(group, enriched)) === 0 && archivedIds().length === all.size,
      90_000,
    );

    // The stores before the reset: each event once where its type goes.
    const pgBefore = await pgCounts();
    const docsBefore = await searchDocs();
    const redisBefore = await redisData();
    const archivedBefore = archivedIds();
    expect([...pgBefore.values()].filter((n) => n !== 1)).toEqual([]);
    expect(new Set([...pgBefore.keys(), ...docsBefore.keys()])).toEqual(all);
    expect(archivedBefore.length).toBe(all.size);
    expect(new Set(archivedBefore)).toEqual(all);
    expect(Object.keys(redisBefore).length).toBeGreaterThan(0);

    // The writers count what they took (flushed to Redis every few seconds): each event once.
    await waitFor('the count of records taken', async () => (await storageIn()) === all.size);
    await stopStage(env, 'storage', group, 'the storage group to empty');
    const plan = JSON.parse(
      (
        await sluiceOk(
          ['stage', 'reset', 'storage', '--topic', enriched, '--to-datetime', between, '--json'],
          env,
        )
      ).stdout,
    );
    // Offsets, not events: the enrichment's transactions leave a commit marker per batch.
    expect(plan).toMatchObject({ group, skip: 0, errors: [] });
    expect(plan.reprocess).toBeGreaterThanOrEqual(second.valid.size);
    expect(plan.reprocess).toBeLessThan(second.valid.size + 200);
    await sluiceOk(
      [
        'stage',
        'reset',
        'storage',
        '--topic',
        enriched,
        '--to-datetime',
        between,
        '--execute',
        '--confirm',
        group,
      ],
      env,
    );
    expect(await groupLag(group, enriched)).toBe(plan.reprocess);
    console.log(
      `reset to ${between}: ${plan.reprocess} offsets to read again for the ${second.valid.size} events of the second batch (${all.size} stored in all)`,
    );

    await sluiceOk(['stage', 'resume', 'storage'], env);
    await waitFor(
      'the second batch read again',
      async () => (await groupLag(group, enriched)) === 0,
      90_000,
    );
    await stopStage(env, 'storage', group, 'the storage group to empty again');

    // Exactly the events after the time were taken again ...
    await waitFor(
      'the count of records taken again',
      async () => (await storageIn()) >= all.size + second.valid.size,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await storageIn()).toBe(all.size + second.valid.size);
    // ... and no store changed: keyed by event_id, or behind the sinks' offset fences.
    expect(await pgCounts()).toEqual(pgBefore);
    expect(await searchDocs()).toEqual(docsBefore);
    expect(await redisData()).toEqual(redisBefore);
    const archivedAfter = archivedIds();
    expect(archivedAfter.length, 'archived events (a second copy would add to them)').toBe(
      all.size,
    );
    expect(new Set(archivedAfter)).toEqual(all);

    for (const w of workers.all) {
      w.child.kill('SIGTERM');
      expect(await w.exitCode(40_000), w.log()).toBe(0);
    }
  }, 360_000);
});
