// Routing versions against the real stack: a storage writer run as users run it (the `sluice`
// CLI) while events flow; `sluice routing publish` sends pageviews from PostgreSQL to the search
// engine and `sluice routing rollback 1` brings them back, with no restart. Checked per store by
// event_id against what was produced: every event is in exactly one of the two stores, once;
// what was produced before a change was asked for went by the old rules, what was produced after
// the writer logged its switch went by the new ones, and in each partition the rules changed
// once per change, between two offsets (a batch boundary), never back and forth.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client as Search } from '@elastic/elasticsearch';
import { createProducer } from '@sluice/kafka';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';
import { enrichedEvents } from '../storage/storage-fixtures.ts';
import { groupLag, kafka } from '../support/kafka-reader.ts';
import { sluiceOk, type Worker, waitFor } from '../support/sluice-cli.ts';
import { allSearchHits, eventRowsById } from '../support/store-readers.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';

const name = uniqueName('it-routing').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_').replaceAll('.', '_');
const index = `${name}-errors`;
const redisPrefix = `${name}:`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-routing-'));
const PARTITIONS = 2;
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: String(PARTITIONS),
  DATABASE_SCHEMA: schema,
  SEARCH_ERRORS_INDEX: index,
  REDIS_KEY_PREFIX: redisPrefix,
  ARCHIVE_URL: `${pathToFileURL(join(dir, 'archive')).href}/`,
  STORAGE_MAX_BATCH: '500',
  STORAGE_FLUSH_MS: '200',
  STORAGE_COMMIT_INTERVAL_MS: '300',
};
const enriched = `${prefix}events.enriched`;
const group = `${prefix}storage-writers`;

const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const search = new Search({ node: testEnv.searchUrl, requestTimeout: 60_000 });
const redis = new Redis(testEnv.redisUrl);
const producer = createProducer(kafka);
const workers = workerProcesses(env);
let worker: Worker | undefined;

const rules = (to: 'timescaledb' | 'elasticsearch') =>
  JSON.stringify({
    rules: [{ name: 'pageviews', match: { type: ['pageview'] }, destinations: [to] }],
    unmatched: [],
  });

// Pageviews only: each goes to exactly one store under either version.
const EVENTS = [...enrichedEvents(60_000, 'r').byId.values()].filter((e) => e.type === 'pageview');
/** Index into EVENTS of the next event to produce; events go round-robin to the partitions. */
let next = 0;
const partitionOf = (i: number) => i % PARTITIONS;

const sluice = (args: string[]) => sluiceOk(args, env);

/** Produces 100 events every 50 ms until stopped; resolves with the index reached. */
function flow(): { stop: () => Promise<number> } {
  let stopping = false;
  const done = (async () => {
    while (!stopping && next < EVENTS.length) {
      const batch = EVENTS.slice(next, next + 100).map((e, k) => ({
        partition: partitionOf(next + k),
        key: String(e.user_id),
        value: JSON.stringify(e),
      }));
      await producer.send({ topic: enriched, messages: batch });
      next += batch.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    return next;
  })();
  return {
    stop: async () => {
      stopping = true;
      return done;
    },
  };
}

const pgIds = () => eventRowsById(db, schema);
const searchIds = async () =>
  new Set((await allSearchHits(search, index)).map((h) => h._id as string));

/** Until the first n events produced are each in one store or the other. */
async function storedUpTo(n: number) {
  await waitFor(
    `the first ${n} events to be stored`,
    async () => {
      const [inPg, inSearch] = [await pgIds(), await searchIds()];
      return EVENTS.slice(0, n).every(
        (e) => inPg.has(String(e.event_id)) || inSearch.has(String(e.event_id)),
      );
    },
    60_000,
  );
}

const caughtUp = async () => (await groupLag(group, enriched)) === 0;

beforeAll(async () => {
  await sluice(['topics', 'create']);
  await sluice(['migrate', '--schema', schema]);
  await producer.connect();
}, 120_000);

afterAll(async () => {
  for (const w of workers.all) w.child.kill('SIGKILL');
  await producer.disconnect();
  await tearDownSuite({
    topicPrefix: prefix,
    groups: [group],
    postgres: { db, schema },
    search: { client: search, index },
    redis: { client: redis, keyPrefix: redisPrefix },
  });
}, 60_000);

describe('routing versions with a live storage writer', () => {
  it('moves exactly the events after a publish and after a rollback, losing and doubling none', async () => {
    const v1 = join(dir, 'v1.json');
    const v2 = join(dir, 'v2.json');
    writeFileSync(v1, rules('timescaledb'));
    writeFileSync(v2, rules('elasticsearch'));
    await sluice(['routing', 'publish', v1, '--note', 'pageviews to PostgreSQL']);
    worker = workers.start('storage', 'it');
    await worker.waitForLog(/routing: running version 1\b/);

    const f = flow();
    await waitFor('events to reach PostgreSQL', async () => (await pgIds()).size > 500, 60_000);
    // Everything produced so far stored (by version 1) before the publish is asked for.
    const beforePublish = next;
    await storedUpTo(beforePublish);
    const publish = await sluice(['routing', 'publish', v2, '--note', 'pageviews to search']);
    expect(publish.stdout).toContain('published version 2 (was 1)');
    await worker.waitForLog(/switched from version 1 to 2 at a batch boundary/, 30_000);
    // One send may be in flight while the log line is read: it may have gone either way.
    const afterSwitch = next + 100;
    await waitFor(
      'events to reach the search engine',
      async () => (await searchIds()).size > 500,
      60_000,
    );
    const beforeRollback = next;
    await storedUpTo(beforeRollback);
    await sluice(['routing', 'rollback', '1', '--note', 'back']);
    await worker.waitForLog(/switched from version 2 to 1 at a batch boundary/, 30_000);
    const afterRollback = next + 100;
    await new Promise((r) => setTimeout(r, 2000));
    const end = await f.stop();
    await waitFor('the group to commit everything', caughtUp, 120_000);
    await storedUpTo(end);

    const inPg = await pgIds();
    const inSearch = await searchIds();
    // Once per store (PostgreSQL's key includes event_time; counted by event_id here).
    expect([...inPg.values()].filter((n) => n !== 1)).toEqual([]);
    const storeOf = (id: string) =>
      (inPg.has(id) ? 'pg' : '') + (inSearch.has(id) ? 'search' : '') || 'none';
    const produced = EVENTS.slice(0, end).map((e) => String(e.event_id));
    const stores = produced.map(storeOf);
    // None lost, none in both stores.
    expect(stores.filter((s) => s !== 'pg' && s !== 'search')).toEqual([]);
    expect(inPg.size + inSearch.size).toBe(end);

    // Before the publish was asked for: the old rules; after the writer switched: the new.
    expect(stores.slice(0, beforePublish).every((s) => s === 'pg')).toBe(true);
    expect(stores.slice(afterSwitch, beforeRollback).every((s) => s === 'search')).toBe(true);
    expect(stores.slice(afterRollback, end).every((s) => s === 'pg')).toBe(true);

    // Per partition, in offset order: pg… search… pg…, each change at one offset.
    for (let p = 0; p < PARTITIONS; p++) {
      const seq = stores.filter((_, i) => partitionOf(i) === p);
      const runs = seq.filter((s, i) => i === 0 || s !== seq[i - 1]);
      expect(runs, `partition ${p}`).toEqual(['pg', 'search', 'pg']);
    }
    const moved = stores.filter((s) => s === 'search').length;
    console.log(
      `routing switch: ${end} events; ${moved} to search under version 2; publish asked at #${beforePublish}, switched by #${afterSwitch}; rollback asked at #${beforeRollback}, switched by #${afterRollback}`,
    );

    // The writer reports the version it runs with its sinks' health, and on /metrics.
    await waitFor(
      'the sink health to report version 1',
      async () => {
        const all = await redis.hgetall(`${redisPrefix}sink:health`);
        const mine = Object.entries(all).filter(([k]) => k.endsWith('@it'));
        return mine.length > 0 && mine.every(([, v]) => JSON.parse(v).routing_version === 1);
      },
      20_000,
    );

    // Restarted with nothing changed, it runs the version in force and imports nothing.
    worker.child.kill('SIGTERM');
    expect(await worker.exitCode(30_000)).toBe(0);
    worker = workers.start('storage', 'it');
    await worker.waitForLog(/routing: running version 1\b/);
    const list = await sluice(['routing', 'list', '--json']);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).version),
    ).toEqual([2, 1]);
    worker.child.kill('SIGTERM');
    expect(await worker.exitCode(30_000)).toBe(0);
    worker = undefined;
  }, 300_000);

  it('imports a routing file given at start as a version, and not again once it was replaced', async () => {
    const file = join(dir, 'file.json');
    writeFileSync(file, rules('timescaledb').replace('pageviews', 'from-file'));
    const start = () => workers.start('storage', 'it', { STORAGE_ROUTING_CONFIG: file });
    worker = start();
    await worker.waitForLog(/imported as version 3/);
    await worker.waitForLog(/routing: running version 3\b/);
    const list = async () =>
      (await sluice(['routing', 'list', '--json'])).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { version: number; in_force: boolean; source: string });
    expect((await list())[0]).toMatchObject({ version: 3, in_force: true, source: 'file' });
    // An operator rolls back while the writer runs: it follows, the file notwithstanding.
    await sluice(['routing', 'rollback', '1']);
    await waitFor('the writer to report version 1', async () => {
      const all = await redis.hgetall(`${redisPrefix}sink:health`);
      const mine = Object.entries(all).filter(([k]) => k.endsWith('@it'));
      return mine.length > 0 && mine.every(([, v]) => JSON.parse(v).routing_version === 1);
    });
    // And on /metrics.
    const port = /metrics on :(\d+)/.exec(worker.log())?.[1];
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^sluice_storage_routing_version(\{[^}]*\})? 1$/m);
    worker.child.kill('SIGTERM');
    expect(await worker.exitCode(30_000)).toBe(0);
    // Restarted with the same file: the rollback stands.
    worker = start();
    await worker.waitForLog(/was imported before as version 3 and has since been replaced/);
    await worker.waitForLog(/routing: running version 1\b/);
    expect((await list()).map((v) => [v.version, v.in_force])).toEqual([
      [3, false],
      [2, false],
      [1, true],
    ]);
    worker.child.kill('SIGTERM');
    expect(await worker.exitCode(30_000)).toBe(0);
    worker = undefined;
  }, 120_000);
});
