// The storage writers against the real stack, run as users run them (the `sluice` CLI): mixed
// enriched events plus aggregates and sessions → each store holds exactly what the routing rules
// send there (ids compared, a sample field by field), the archive holds every event exactly once,
// a full replay changes no store, and 50,000 events in all with PostgreSQL shut down for 30 s
// mid-run, then Elasticsearch frozen (SIGSTOP: connections hang rather than fail) for 30 s, lose
// and duplicate nothing while the other sinks keep flowing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Client as Search } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAwsCredentials, testEnv, uniqueName } from '../env.ts';
import { deleteGroups, groupLag, readTopic } from '../support/kafka-reader.ts';
import { type RealtimeEvent, realtimeTruth } from '../support/realtime-truth.ts';
import { produceLines, sluiceOk, stackHome, type Worker, waitFor } from '../support/sluice-cli.ts';
import { allSearchHits, realtimeData, stageRecordsIn } from '../support/store-readers.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';
import { aggregateRecords, enrichedEvents, sessionRecords } from './storage-fixtures.ts';

const name = uniqueName('it-storage').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_').replaceAll('.', '_');
const bucket = name;
const index = `${name}-errors`;
const redisPrefix = `${name}:`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-storage-'));
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  DATABASE_SCHEMA: schema,
  SEARCH_ERRORS_INDEX: index,
  REDIS_KEY_PREFIX: redisPrefix,
  ARCHIVE_URL: `s3://${bucket}/archive/`,
  STORAGE_MAX_BATCH: '1000',
  STORAGE_FLUSH_MS: '300',
  STORAGE_ARCHIVE_FLUSH_MS: '1500',
  STORAGE_COMMIT_INTERVAL_MS: '300',
};
const topics = {
  enriched: `${prefix}events.enriched`,
  aggregates: `${prefix}aggregates`,
  sessions: `${prefix}sessions`,
  dlq: `${prefix}events.dlq`,
};
const group = `${prefix}storage-writers`;

const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
// Idle clients are cut off when PostgreSQL is shut down mid-test; the next query reconnects.
db.on('error', () => {});
const search = new Search({ node: testEnv.searchUrl, requestTimeout: 60_000 });
const redis = new Redis(testEnv.redisUrl);
const s3 = new S3Client({
  endpoint: testEnv.awsEndpoint,
  region: testEnv.awsRegion,
  credentials: localAwsCredentials,
  forcePathStyle: true,
});
const workers = workerProcesses(env);
const frozen = new Set<number>();

// 50,000 events in all, as the acceptance asks; about 15% go to the search engine.
const A = enrichedEvents(40_000, 'a', 20);
const B = enrichedEvents(5_000, 'b');
const C = enrichedEvents(5_000, 'c');
/** How long each sink stays unavailable. */
const OUTAGE_MS = 30_000;
const aggs = aggregateRecords(40);
const sess = sessionRecords(30);

const sluice = (args: string[]) => sluiceOk(args, env);
const produce = (lines: string[], topic: string) =>
  produceLines(env, join(dir, `${uniqueName('in')}.ndjson`), lines, topic);
const startWorker = () => workers.start('storage', 'it');

async function stopWorker(w: Worker) {
  w.child.kill('SIGTERM');
  expect(await w.exited).toBe(0);
}

const caughtUp = async () =>
  (await groupLag(group, topics.enriched)) === 0 &&
  (await groupLag(group, topics.aggregates)) === 0 &&
  (await groupLag(group, topics.sessions)) === 0;

// --- Readers of each store ---------------------------------------------------------------

async function pgIds(): Promise<string[]> {
  const r = await db.query(`SELECT event_id FROM "${schema}".events`);
  return r.rows.map((x) => x.event_id);
}

async function searchIds(): Promise<string[]> {
  return (await allSearchHits(search, index)).map((h) => h._id as string);
}

async function archivedIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const key of (await archiveObjects()).keys()) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = gunzipSync(Buffer.from((await got.Body?.transformToByteArray()) ?? []));
    for (const line of body.toString().split('\n')) if (line) ids.push(JSON.parse(line).event_id);
  }
  return ids;
}

async function archiveObjects(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'archive/dt=', ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) out.set(o.Key as string, o.ETag as string);
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

async function snapshot() {
  const q = async (sql: string) => (await db.query(sql)).rows;
  const docs = await allSearchHits(search, index, { version: true });
  return {
    events: await q(`SELECT * FROM "${schema}".events ORDER BY event_id`),
    aggregates: await q(
      `SELECT window_start, window_size, type, dimensions, source_partition, count, late_accepted, late_dropped, unique_users_sketch, unique_users_estimate FROM "${schema}".window_aggregates ORDER BY 1,2,3,4,5`,
    ),
    sessions: await q(
      `SELECT session_start, session_id, user_id, session_end, duration_ms, event_count, pageview_count, entry_url, exit_url FROM "${schema}".sessions ORDER BY 2`,
    ),
    search: docs.map((h) => [h._id, h._version, h._seq_no]),
    redis: await realtimeData(redis, redisPrefix),
    archive: Object.fromEntries(await archiveObjects()),
  };
}

/** Redis must equal the counts computed from the events themselves, not by the sink's code. */
async function expectRealtimeMatches(events: Record<string, unknown>[]) {
  const expected = realtimeTruth(events as unknown as RealtimeEvent[]);
  for (const [minute, d] of expected) {
    const counts = await redis.hgetall(`${redisPrefix}rt:count:${minute}`);
    expect(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]))).toEqual(
      Object.fromEntries(d.counts),
    );
    const pages = await redis.zrange(`${redisPrefix}rt:pages:${minute}`, 0, -1, 'WITHSCORES');
    const pageMap: Record<string, number> = {};
    for (let i = 0; i < pages.length; i += 2) pageMap[pages[i] as string] = Number(pages[i + 1]);
    expect(pageMap).toEqual(Object.fromEntries(d.pages));
    const users = await redis.pfcount(`${redisPrefix}rt:users:${minute}`);
    expect(Math.abs(users - d.users.size)).toBeLessThanOrEqual(Math.ceil(d.users.size * 0.03));
    const ttl = await redis.ttl(`${redisPrefix}rt:count:${minute}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  }
}

function servicePid(service: 'postgres' | 'search'): number {
  return JSON.parse(readFileSync(join(stackHome(), 'run', `${service}.pid`), 'utf8')).pid;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let postgresDown = false;

/** Shuts PostgreSQL down for real (fast shutdown: clients are cut off, new ones refused). */
async function stopPostgres(): Promise<void> {
  const pid = servicePid('postgres');
  postgresDown = true;
  process.kill(pid, 'SIGINT');
  await waitFor('PostgreSQL to shut down', async () => !alive(pid), 30_000);
}

/** Starts it again the way an operator would: `sluice stack up` starts what is missing. */
async function startPostgres(): Promise<void> {
  await sluiceOk(['stack', 'up'], process.env);
  postgresDown = false;
}

/** SIGSTOP a service: it stops answering and its connections hang, but it keeps its state. */
function freeze(service: 'search'): number {
  const pid = servicePid(service);
  process.kill(pid, 'SIGSTOP');
  frozen.add(pid);
  return pid;
}

function thaw(pid: number) {
  process.kill(pid, 'SIGCONT');
  frozen.delete(pid);
}

async function sinkHealth(): Promise<Record<string, { up: boolean; last_error: string | null }>> {
  const all = await redis.hgetall(`${redisPrefix}sink:health`);
  const out: Record<string, { up: boolean; last_error: string | null }> = {};
  for (const [field, json] of Object.entries(all))
    if (field.endsWith('@it')) out[field.slice(0, -3)] = JSON.parse(json);
  return out;
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

const all = (...fs: (typeof A)[]) => fs.flatMap((f) => [...f.byId.values()]);
const union = (...sets: Set<string>[]) => new Set(sets.flatMap((s) => [...s]));
const sorted = (xs: Iterable<string>) => [...xs].sort();

beforeAll(async () => {
  await sluice(['topics', 'create']);
  await sluice(['migrate', '--schema', schema]);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}, 120_000);

afterAll(async () => {
  // Never leave a service frozen or down, whatever failed.
  for (const p of frozen) process.kill(p, 'SIGCONT');
  if (postgresDown) await startPostgres();
  await tearDownSuite({
    workers: workers.all,
    topicPrefix: prefix,
    postgres: { db, schema },
    search: { client: search, index },
    redis: { client: redis, keyPrefix: redisPrefix },
  });
}, 60_000);

describe('storage writers', () => {
  let worker: Worker;

  it('writes to each store exactly what the rules send there', async () => {
    await produce(A.lines, topics.enriched);
    await produce(aggs.lines, topics.aggregates);
    await produce(sess.lines, topics.sessions);
    worker = startWorker();
    await waitFor('the group to commit everything', caughtUp);

    // TimescaleDB: pageview and click, once each, with their enrichment columns.
    const ids = await pgIds();
    expect(ids.length).toBe(A.timescale.size);
    expect(new Set(ids)).toEqual(A.timescale);
    const sample = (await db.query(`SELECT * FROM "${schema}".events WHERE event_id = 'a-1'`))
      .rows[0];
    const a1 = A.byId.get('a-1') as Record<string, string>;
    expect(sample).toMatchObject({
      event_time: new Date(a1.timestamp as string),
      event_id: 'a-1',
      type: 'pageview',
      user_id: a1.user_id,
      session_id: a1.session_id,
      url: a1.url,
      referrer: a1.referrer,
      ip: a1.ip,
      country: 'Germany',
      country_code: 'DE',
      region: 'Land Berlin',
      city: 'Berlin',
      latitude: 52.5244,
      longitude: 13.4105,
      browser: 'Chrome',
      browser_version: '120.0.0.0',
      os: 'Windows',
      device_type: 'desktop',
      properties: { n: 1, tag: 'a' },
    });

    // Aggregates and sessions: the later record of each key replaced the earlier one.
    const rows = (await db.query(`SELECT * FROM "${schema}".window_aggregates`)).rows;
    expect(rows.length).toBe(aggs.latest.size);
    for (const r of rows) {
      const want = aggs.latest.get(
        `${r.window_start.toISOString()}|${r.type}|${r.source_partition}`,
      ) as Record<string, string & number>;
      expect(Number(r.count)).toBe(want.count);
      expect(Number(r.unique_users_estimate)).toBe(want.unique_users);
      expect(Number(r.late_accepted)).toBe(want.late_accepted);
      expect(r.unique_users_sketch.toString('base64')).toBe(want.unique_users_sketch);
    }
    const sessions = (await db.query(`SELECT * FROM "${schema}".sessions`)).rows;
    expect(sessions.length).toBe(sess.latest.size);
    for (const s of sessions) {
      const want = sess.latest.get(s.session_id) as Record<string, number>;
      // One row per session, under its latest start: superseded rows were deleted.
      expect(s.session_start.toISOString()).toBe(want.session_start);
      expect(Number(s.duration_ms)).toBe(want.duration_ms);
      expect(s.exit_url).toBe('/checkout');
      expect(s.event_count).toBe(want.event_count);
    }

    // Elasticsearch: errors and exceptions, once each; the malformed ones dead-lettered.
    expect(sorted(await searchIds())).toEqual(sorted(A.search));
    // a-15 is the first error, refused for its latitude; a-16 is stored.
    expect(A.refused.has('a-15')).toBe(true);
    const doc = await search.get({ index, id: 'a-16' });
    const a16 = A.byId.get('a-16') as Record<string, string>;
    expect(doc._source).toMatchObject({
      event_id: 'a-16',
      type: 'error',
      timestamp: a16.timestamp,
      message: a16.message,
      stack: a16.stack,
      browser: 'Chrome',
      os: 'Windows',
      country: 'Germany',
      country_code: 'DE',
      location: { lat: 52.5244, lon: 13.4105 },
    });
    const hits = await search.search({ index, query: { match: { message: 'price undefined' } } });
    expect((hits.hits.total as { value: number }).value).toBe(A.search.size);
    // Dead-lettered: the errors Elasticsearch refused and the pageview PostgreSQL refused,
    // each once, with the stage that refused it.
    const refused = union(A.refused, A.pgRefused);
    const dlq = await readTopic(topics.dlq, refused.size, { timeoutMs: 20_000 });
    expect(dlq.length).toBe(refused.size);
    const stageOf = new Map(
      dlq.map((r) => [JSON.parse(r.value?.toString() ?? '{}').event_id, r.headers]),
    );
    expect(new Set(stageOf.keys())).toEqual(refused);
    for (const [id, headers] of stageOf) {
      expect(headers).toMatchObject({
        'sluice.stage': A.pgRefused.has(id) ? 'storage:timescaledb' : 'storage:elasticsearch',
        'sluice.retryable': 'false',
        'sluice.source.topic': topics.enriched,
      });
    }

    // Redis: counts by minute and type, pages, users, as computed from the events.
    await expectRealtimeMatches(all(A));

    // Telemetry for the console: every event's end-to-end latency counted once it was queryable
    // everywhere, and each sink's health under this writer.
    const latencyCount = async () => {
      let n = 0;
      for (const k of await redis.keys(`${redisPrefix}rt:latency:*`))
        n += Number(await redis.hget(k, 'n'));
      return n;
    };
    // Flushed every 5 s.
    await waitFor('the latency of every event', async () => (await latencyCount()) >= A.byId.size);
    expect(await latencyCount()).toBe(A.byId.size);
    await waitFor('sink health for all four sinks', async () => {
      const h = await sinkHealth();
      return ['timescaledb', 'elasticsearch', 'redis', 's3'].every((k) => h[k]?.up === true);
    });

    // S3: every event, exactly once, in Hive-style keys.
    const archived = await archivedIds();
    expect(archived.length).toBe(A.byId.size);
    expect(new Set(archived)).toEqual(new Set(A.byId.keys()));
    for (const key of (await archiveObjects()).keys())
      expect(key).toMatch(
        new RegExp(
          `^archive/dt=2026-11-27/hour=1[01]/${topics.enriched.replaceAll('.', '\\.')}-\\d-\\d+-\\d+\\.ndjson\\.gz$`,
        ),
      );
  }, 240_000);

  it('changes no store when everything is consumed again', async () => {
    await stopWorker(worker);
    const before = await snapshot();
    await deleteGroups([group]);
    expect(await groupLag(group, topics.enriched)).toBe(A.byId.size);

    worker = startWorker();
    await waitFor('the replay to be committed', caughtUp);
    expect(await snapshot()).toEqual(before);
    // The stage counted its records each time it committed them: first run and replay.
    await waitFor(
      'the storage counters',
      async () => (await stageRecordsIn(redis, redisPrefix, 'storage')) >= 2 * A.byId.size,
    );
  }, 120_000);

  it('loses and repeats nothing while PostgreSQL is down for 30 s, and the other sinks keep flowing', async () => {
    await stopPostgres();
    const until = Date.now() + OUTAGE_MS;
    try {
      await produce(B.lines, topics.enriched);
      await waitFor(
        'Elasticsearch and the archive to take the new events without PostgreSQL',
        async () =>
          (await searchIds()).length === A.search.size + B.search.size &&
          (await archivedIds()).length === A.byId.size + B.byId.size,
        OUTAGE_MS,
      );
      // Nothing of B may be committed while PostgreSQL lacks its pageviews and clicks.
      expect(await groupLag(group, topics.enriched)).toBeGreaterThan(0);
      // The console learns that the sink is down, and why.
      await waitFor(
        'the health entry to show PostgreSQL down',
        async () => (await sinkHealth()).timescaledb?.up === false,
        OUTAGE_MS,
      );
      expect((await sinkHealth()).s3?.up).toBe(true);
      await sleepUntil(until);
      expect(await groupLag(group, topics.enriched)).toBeGreaterThan(0);
    } finally {
      await startPostgres();
    }
    await waitFor('the group to catch up after PostgreSQL returned', caughtUp);
    const ids = await pgIds();
    expect(ids.length).toBe(A.timescale.size + B.timescale.size);
    expect(new Set(ids)).toEqual(union(A.timescale, B.timescale));
    const archived = await archivedIds();
    expect(archived.length).toBe(A.byId.size + B.byId.size);
    await expectRealtimeMatches(all(A, B));
    // The outage must really have been met by a write, or this test proves nothing.
    expect(worker.log()).toMatch(/sink timescaledb: write of \d+ failed/);
  }, 240_000);

  it('loses and repeats nothing while Elasticsearch is frozen for 30 s, and the other sinks keep flowing', async () => {
    const pid = freeze('search');
    const until = Date.now() + OUTAGE_MS;
    try {
      await produce(C.lines, topics.enriched);
      await waitFor(
        'PostgreSQL and the archive to take the new events without Elasticsearch',
        async () =>
          (await pgIds()).length === A.timescale.size + B.timescale.size + C.timescale.size &&
          (await archivedIds()).length === A.byId.size + B.byId.size + C.byId.size,
        OUTAGE_MS,
      );
      expect(await groupLag(group, topics.enriched)).toBeGreaterThan(0);
      // Held 30 s: longer than the sink's request timeout (10 s), so a write certainly fails
      // and is retried rather than merely waits.
      await sleepUntil(until);
      expect(await groupLag(group, topics.enriched)).toBeGreaterThan(0);
    } finally {
      thaw(pid);
    }
    await waitFor('the group to catch up after Elasticsearch returned', caughtUp);
    expect(sorted(await searchIds())).toEqual(sorted(union(A.search, B.search, C.search)));
    const archived = await archivedIds();
    expect(archived.length).toBe(A.byId.size + B.byId.size + C.byId.size);
    expect(new Set(archived).size).toBe(archived.length);
    await expectRealtimeMatches(all(A, B, C));
    expect(worker.log()).toMatch(/sink elasticsearch: write of \d+ failed/);
    await stopWorker(worker);
  }, 240_000);
});
