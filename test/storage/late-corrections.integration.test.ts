// Events far beyond AGG_RETENTION through the real aggregation and storage workers (the `sluice`
// CLI, as users run them): the aggregation stage counts them in late-drop corrections, and
// PostgreSQL then holds, per window, late_dropped summed over its rows equal to the number of
// those events, counted from the input here, not by the workers' code. A replay of the
// aggregates topic from the start (the storage group deleted) rewrites every row and changes
// none.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client as Search } from '@elastic/elasticsearch';
import { HyperLogLog } from '@sluice/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAwsCredentials, testEnv, uniqueName } from '../env.ts';
import { committedEndOffset, deleteGroups, groupLag, readTopic } from '../support/kafka-reader.ts';
import { produceLines, sluiceOk, type Worker, waitFor } from '../support/sluice-cli.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';

const name = uniqueName('it-late').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_');
const redisPrefix = `${name}:`;
const index = `${name}-errors`;
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '3',
  DATABASE_SCHEMA: schema,
  SEARCH_ERRORS_INDEX: index,
  REDIS_KEY_PREFIX: redisPrefix,
  ARCHIVE_URL: `s3://${name}/archive/`,
  STORAGE_FLUSH_MS: '200',
  STORAGE_COMMIT_INTERVAL_MS: '200',
  AGG_WINDOWS: '1m,5m,1h',
  AGG_DIMENSIONS: '',
  AGG_MAX_OUT_OF_ORDER: '30s',
  AGG_ALLOWED_LATENESS: '0s',
  AGG_LATE_POLICY: 'drop',
  AGG_RETENTION: '1h',
  AGG_IDLE_TIMEOUT: '2s',
};
const topics = {
  enriched: `${prefix}events.enriched`,
  aggregates: `${prefix}aggregates`,
  sessions: `${prefix}sessions`,
  dlq: `${prefix}events.dlq`,
};
const groups = { aggregation: `${prefix}aggregation-workers`, storage: `${prefix}storage-writers` };

const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const dir = mkdtempSync(join(tmpdir(), 'sluice-late-'));
const workers = workerProcesses(env);

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const SESSIONS = 30;
let seq = 0;
function event(timeMs: number, session: number, user: string) {
  return {
    event_id: `ev-${seq++}`,
    type: 'pageview',
    timestamp: new Date(timeMs).toISOString(),
    timestamp_ms: timeMs,
    user_id: user,
    session_id: `s-${session}`,
    url: 'https://shop.example/p/1',
  };
}

// Three hours of on-time pageviews, one every 2 s, over 30 sessions (so every partition's
// watermark reaches 12:59). The late ones belong to sessions of those, so they land in
// partitions whose watermark is past their windows' end + retention (1 h) for every size.
const onTime = Array.from({ length: 5400 }, (_, i) =>
  event(T0 + i * 2000, i % SESSIONS, `u${i % 37}`),
);
const lateA = Array.from({ length: 30 }, (_, k) =>
  event(T0 + 5 * 60_000 + k * 100, k % SESSIONS, `late-${k}`),
);
const lateB = [
  ...Array.from({ length: 12 }, (_, k) =>
    event(T0 + 5 * 60_000 + 30_000 + k * 100, (k * 7) % SESSIONS, `late-b-${k}`),
  ),
  ...Array.from({ length: 8 }, (_, k) =>
    event(T0 + 42 * 60_000 + k * 1000, (k * 11) % SESSIONS, `late-c-${k}`),
  ),
];
const late = [...lateA, ...lateB];

/** What each window must say: its late events, counted here from the input. */
function lateTruth(): Map<string, number> {
  const sizes = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };
  const truth = new Map<string, number>();
  for (const e of late)
    for (const [size, ms] of Object.entries(sizes)) {
      const k = `${size}|${new Date(Math.floor(e.timestamp_ms / ms) * ms).toISOString()}`;
      truth.set(k, (truth.get(k) ?? 0) + 1);
    }
  return truth;
}

const produce = (events: object[]) =>
  produceLines(
    env,
    join(dir, `${uniqueName('in')}.ndjson`),
    events.map((e) => JSON.stringify(e)),
    topics.enriched,
  );

const start = (role: 'aggregation' | 'storage') => workers.start(role, 'it');

async function stop(w: Worker) {
  w.child.kill('SIGTERM');
  expect(await w.exited, w.log()).toBe(0);
}

const aggregated = async () => (await groupLag(groups.aggregation, topics.enriched)) === 0;

/** The aggregates topic as committed: the last record per key. */
async function topicLatest(): Promise<Map<string, Record<string, unknown>>> {
  const last = new Map<string, Record<string, unknown>>();
  for (const r of await readTopic(topics.aggregates, 1, { settleMs: 1500 }))
    if (r.key !== null && r.value !== null) last.set(r.key, JSON.parse(r.value.toString()));
  return last;
}

interface Row {
  key: string;
  correction: number;
  count: number;
  late_dropped: number;
  sketch: string;
}

async function stored(): Promise<Row[]> {
  const r = await db.query(
    `SELECT window_size, window_start, type, dimensions, source_partition, correction,
            count::int, late_accepted::int, late_dropped::int,
            encode(unique_users_sketch, 'base64') AS sketch, unique_users_estimate::int
       FROM "${schema}".window_aggregates
      ORDER BY window_size, window_start, type, dimensions, source_partition, correction`,
  );
  return r.rows.map((x) => ({
    ...x,
    sketch: String(x.sketch).replaceAll('\n', ''),
    key: `${x.window_size}|${x.window_start.toISOString()}|${x.type}|${x.dimensions}|${x.source_partition}${x.correction > 0 ? `|late@${x.correction}` : ''}`,
  }));
}

/** PostgreSQL holds exactly the topic's last record per key (and so is done writing). */
async function storedEqualsTopic(): Promise<boolean> {
  const [topic, rows] = [await topicLatest(), await stored()];
  return (
    rows.length === topic.size &&
    rows.every((r) => {
      const t = topic.get(r.key);
      return (
        t !== undefined &&
        r.late_dropped === t.late_dropped &&
        r.count === (r.correction > 0 ? 0 : t.count)
      );
    })
  );
}

/** Per window: late_dropped and count summed over its rows, as a reader merges them. */
async function windowSums(): Promise<Map<string, { lateDropped: number; count: number }>> {
  const r = await db.query(
    `SELECT window_size, window_start, sum(late_dropped)::int AS ld, sum(count)::int AS n
       FROM "${schema}".window_aggregates GROUP BY 1, 2`,
  );
  return new Map(
    r.rows.map((x) => [
      `${x.window_size}|${x.window_start.toISOString()}`,
      { lateDropped: x.ld, count: x.n },
    ]),
  );
}

beforeAll(async () => {
  await sluiceOk(['topics', 'create'], env);
  await sluiceOk(['migrate', '--schema', schema], env);
  const s3 = new S3Client({
    endpoint: testEnv.awsEndpoint,
    region: testEnv.awsRegion,
    credentials: localAwsCredentials,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  s3.destroy();
}, 120_000);

afterAll(
  () =>
    tearDownSuite({
      workers: workers.all,
      topicPrefix: prefix,
      postgres: { db, schema },
      search: { client: new Search({ node: testEnv.searchUrl }), index },
      redis: { client: new Redis(testEnv.redisUrl), keyPrefix: redisPrefix },
    }),
  60_000,
);

describe('late-drop corrections from the aggregation worker to PostgreSQL', () => {
  let storage: Worker;

  it("adds events far beyond the retention to their windows' late_dropped, once each", async () => {
    await produce(onTime);
    const aggregation = start('aggregation');
    storage = start('storage');
    await waitFor('the on-time events to be aggregated', aggregated);
    // Two batches of very late events, each consumed before the next is produced: the second
    // brings corrections numbered on from the first's, two of them for the same windows.
    await produce(lateA);
    await waitFor('the first late events to be aggregated', aggregated);
    await produce(lateB);
    await waitFor('the second late events to be aggregated', aggregated);
    // No more records after this: the topic is what the storage writers must end up holding.
    await stop(aggregation);
    await waitFor('PostgreSQL to hold the aggregates topic', storedEqualsTopic, 90_000);

    // The premise: the aggregation stage counted these events in corrections, in more than
    // one per window and from more than one partition, not in re-opened windows.
    const rows = await stored();
    const corrections = rows.filter((r) => r.correction > 0);
    expect(corrections.length).toBeGreaterThan(lateTruth().size);
    expect(new Set(corrections.map((r) => r.key.split('|')[4])).size).toBeGreaterThan(1);
    // A correction row adds no event and no user.
    const empty = new HyperLogLog().toBase64();
    for (const c of corrections) expect([c.count, c.sketch]).toEqual([0, empty]);

    const sums = await windowSums();
    const truth = lateTruth();
    for (const [key, n] of truth) expect([key, sums.get(key)?.lateDropped]).toEqual([key, n]);
    // No other window dropped anything: every late event counted in each size exactly once.
    const total = [...sums.values()].reduce((n, s) => n + s.lateDropped, 0);
    expect(total).toBe(3 * late.length);
    // The counts are the on-time events' alone (30 a minute; 1,800 in the 10:00 hour).
    expect(sums.get('1m|2026-01-01T10:05:00.000Z')?.count).toBe(30);
    expect(sums.get('1m|2026-01-01T10:42:00.000Z')?.count).toBe(30);
    expect(sums.get('5m|2026-01-01T10:05:00.000Z')?.count).toBe(150);
    expect(sums.get('1h|2026-01-01T10:00:00.000Z')?.count).toBe(1800);

    // The storage writers dead-lettered nothing (they used to refuse every correction).
    expect(await committedEndOffset(topics.dlq)).toBe(0);
  }, 300_000);

  it('changes nothing when the storage writers read the aggregates topic again', async () => {
    await stop(storage);
    const before = await stored();
    const lagBefore = await groupLag(groups.storage, topics.aggregates);
    await deleteGroups([groups.storage]);
    expect(await groupLag(groups.storage, topics.aggregates)).toBeGreaterThan(lagBefore);

    const replayFrom = new Date();
    storage = start('storage');
    // Every row rewritten by the replay (updated_at moves), and the group back where it was.
    await waitFor(
      'the replay to rewrite every aggregate row',
      async () =>
        (
          await db.query(
            `SELECT count(*) FILTER (WHERE updated_at < $1)::int AS old
               FROM "${schema}".window_aggregates`,
            [replayFrom],
          )
        ).rows[0].old === 0,
    );
    await waitFor(
      'the replay to be committed',
      async () => (await groupLag(groups.storage, topics.aggregates)) <= lagBefore,
    );
    expect(await stored()).toEqual(before);
    const sums = await windowSums();
    for (const [key, n] of lateTruth()) expect([key, sums.get(key)?.lateDropped]).toEqual([key, n]);
  }, 180_000);
});
