// DLQ replay end to end on the real stack, run as users run it (the `sluice` CLI): poison events
// of several kinds go through the real enrichment worker into the DLQ and the index; a fix-by-
// edit replay (a merge patch) of a subset of one signature → exactly those events reach every
// store once (PostgreSQL rows, search documents, Redis counters, archive objects, each compared
// with the ground truth by event id); the same job run again and an overlapping job send nothing
// and change no store; a replay of a storage-stage failure goes only to the sink that lacked the
// event; a replayed event that fails again is a new entry linked to the old; dry runs and
// validation errors send nothing and name the field.
import { Buffer } from 'node:buffer';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Client as Search } from '@elastic/elasticsearch';
import { buildDlqRecord } from '@sluice/core';
import { createKafka, createProducer } from '@sluice/kafka';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';
import {
  committedEndOffset,
  deletePrefixedTopics,
  groupLag,
  readTopic,
} from '../support/kafka-reader.ts';
import { runSluice, sluiceOk, startSluice, type Worker, waitFor } from '../support/sluice-cli.ts';

const name = uniqueName('it-replay').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_');
const dir = mkdtempSync(join(tmpdir(), 'sluice-replay-'));
const archiveDir = join(dir, 'archive');
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
  ARCHIVE_URL: `${pathToFileURL(archiveDir).href}/`,
  ENRICH_MAX_BATCH: '200',
  STORAGE_FLUSH_MS: '300',
  STORAGE_ARCHIVE_FLUSH_MS: '1000',
  STORAGE_COMMIT_INTERVAL_MS: '300',
  STAGE_COMMIT_INTERVAL_MS: '300',
};
const topics = {
  raw: `${prefix}events.raw`,
  enriched: `${prefix}events.enriched`,
  dlq: `${prefix}events.dlq`,
};
const groups = {
  enrichment: `${prefix}enrichment-workers`,
  storage: `${prefix}storage-writers`,
  dlq: `${prefix}dlq-indexers`,
};
const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const search = new Search({ node: testEnv.searchUrl, requestTimeout: 30_000 });
const redis = new Redis(testEnv.redisUrl);
const workers: Worker[] = [];

// --- Ground truth -------------------------------------------------------------------------
const T0 = Date.parse('2026-11-27T10:00:00Z');
type Ev = Record<string, unknown> & { event_id: string; type: string };
const event = (id: string, i: number, type: string): Ev => ({
  event_id: id,
  type,
  timestamp: new Date(T0 + i * 1000).toISOString(),
  user_id: `u${i % 7}`,
  session_id: `s${i % 5}`,
  url: `https://shop.example.com/p/${i % 3}`,
  ...(type === 'error' ? { message: `checkout failed ${i}` } : {}),
});
const VALID = Array.from({ length: 30 }, (_, i) =>
  event(`ok-${i}`, i, i % 3 === 0 ? 'error' : 'pageview'),
);
/** Poison 1, fixable by a patch: user_id missing. */
const NO_USER = Array.from({ length: 8 }, (_, i) => {
  const e = event(`nu-${i}`, 100 + i, i % 2 === 0 ? 'error' : 'pageview');
  delete e.user_id;
  return e;
});
/** Poison 2: session_id is a number. */
const BAD_SESSION = Array.from({ length: 4 }, (_, i) => ({
  ...event(`bs-${i}`, 200 + i, 'pageview'),
  session_id: 42,
}));
/** Poison 3: cut-off JSON, which no patch can fix. */
const BAD_JSON = Array.from({ length: 3 }, (_, i) =>
  JSON.stringify(event(`bj-${i}`, 300 + i, 'pageview')).slice(0, 45),
);
/** Poison 4, for the crash: an IP that is no address; the patch removes it. */
const BAD_IP = Array.from({ length: 30 }, (_, i) => ({
  ...event(`ip-${i}`, 500 + i, 'pageview'),
  ip: '300.1.2.3',
}));
/** Fixed by the replay below: the first five of NO_USER. */
const FIXED = NO_USER.slice(0, 5).map((e) => e.event_id);
/** An error event that reached Redis and the archive, but whose search write failed. */
const STORAGE_FAILED = {
  ...event('sf-0', 400, 'error'),
  timestamp_ms: T0 + 400_000,
  user_id: 'u-sf',
  session_id: 's-sf',
};

/** Set once the crash test replayed BAD_IP. */
let ipReplayed = false;
/** Set once the detached job replayed these. */
let detachedReplayed: string[] = [];
const expected = () => {
  const all = [
    ...VALID.map((e) => e),
    ...NO_USER.filter((e) => FIXED.includes(e.event_id)),
    ...(ipReplayed ? BAD_IP : []),
    ...NO_USER.filter((e) => detachedReplayed.includes(e.event_id)),
  ];
  all.push(STORAGE_FAILED);
  return {
    all: all.map((e) => e.event_id).sort(),
    pg: all
      .filter((e) => e.type === 'pageview')
      .map((e) => e.event_id)
      .sort(),
    search: all
      .filter((e) => e.type === 'error')
      .map((e) => e.event_id)
      .sort(),
  };
};

// --- The stores -----------------------------------------------------------------------------
async function pgIds(): Promise<string[]> {
  const r = await db.query(`SELECT event_id FROM "${schema}".events ORDER BY event_id`);
  return r.rows.map((x) => x.event_id);
}

async function searchIds(): Promise<string[]> {
  await search.indices.refresh({ index });
  const r = await search.search({ index, size: 1000, _source: false, query: { match_all: {} } });
  return r.hits.hits.map((h) => h._id as string).sort();
}

/** Events counted in the realtime counters (the `_all` field of every minute). */
async function redisCount(): Promise<number> {
  let n = 0;
  for (const k of await redis.keys(`${redisPrefix}rt:count:*`))
    n += Number((await redis.hget(k, '_all')) ?? 0);
  return n;
}

function archivedIds(): string[] {
  const ids: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ndjson.gz'))
        for (const line of gunzipSync(readFileSync(p)).toString().split('\n'))
          if (line) ids.push(JSON.parse(line).event_id);
    }
  };
  walk(archiveDir);
  return ids.sort();
}

async function stores() {
  return {
    pg: await pgIds(),
    search: await searchIds(),
    redis: await redisCount(),
    archive: archivedIds(),
  };
}

const caughtUp = async () =>
  (await groupLag(groups.enrichment, topics.raw)) === 0 &&
  (await groupLag(groups.storage, topics.enriched)) === 0 &&
  (await groupLag(groups.dlq, topics.dlq)) === 0;

async function entries(): Promise<
  { id: number; event_id: string; status: string; error_reason: string }[]
> {
  const r = await db.query(
    `SELECT id::int, event_id, status, error_reason FROM "${schema}".dlq_entries ORDER BY id`,
  );
  return r.rows;
}
const idsOf = async (eventIds: readonly string[]) => {
  const all = await entries();
  return eventIds.map((e) => {
    const hit = all.find((x) => x.event_id === e);
    if (!hit) throw new Error(`no DLQ entry for ${e}`);
    return String(hit.id);
  });
};

function file(nameOf: string, value: unknown): string {
  const p = join(dir, nameOf);
  writeFileSync(p, JSON.stringify(value));
  return p;
}

async function replayJson(args: string[]) {
  const r = await sluiceOk(['dlq', 'replay', ...args, '--json', '--as', 'it-operator'], env);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  await sluiceOk(
    ['geoip', 'build-test-db', '--out', env.GEOIP_CITY_DB, '--build-epoch', '1700000000'],
    env,
  );
  await sluiceOk(['migrate', '--schema', schema], env);
  await sluiceOk(['topics', 'create'], env);
  const lines = [
    ...VALID.map((e) => JSON.stringify(e)),
    ...NO_USER.map((e) => JSON.stringify(e)),
    ...BAD_SESSION.map((e) => JSON.stringify(e)),
    ...BAD_JSON,
    ...BAD_IP.map((e) => JSON.stringify(e)),
  ];
  const input = join(dir, 'raw.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  await sluiceOk(['produce', '--input', input], env);
  const enriched = join(dir, 'enriched.ndjson');
  writeFileSync(enriched, `${JSON.stringify(STORAGE_FAILED)}\n`);
  await sluiceOk(['produce', '--input', enriched, '--topic', topics.enriched], env);
  for (const [w, id] of [
    ['enrichment', 'e1'],
    ['storage', 's1'],
    ['dlq-indexer', 'i1'],
  ] as const)
    workers.push(startSluice(['worker', w, '--metrics-port', '0', '--worker-id', id], env));
  const poison = NO_USER.length + BAD_SESSION.length + BAD_JSON.length + BAD_IP.length;
  await waitFor('the poison in the index', async () => (await entries()).length >= poison, 120_000);
  await waitFor('the pipeline to catch up', caughtUp, 120_000);

  // The storage-stage failure: the search index lost the event (as if its write was refused)
  // and the storage writer dead-lettered it, as storage:elasticsearch does.
  await search.delete({ index, id: STORAGE_FAILED.event_id, refresh: true });
  const dead = buildDlqRecord({
    key: Buffer.from(STORAGE_FAILED.session_id),
    value: Buffer.from(JSON.stringify(STORAGE_FAILED)),
    source: { topic: topics.enriched, partition: 0, offset: '0', timestampMs: Date.now() },
    failure: {
      stage: 'storage:elasticsearch',
      errorClass: 'ResponseError',
      message: 'mapper_parsing_exception: failed to parse field [message]',
      retryable: false,
      attempts: 1,
      firstFailureMs: Date.now(),
      lastFailureMs: Date.now(),
    },
    context: { workerId: 'it', appVersion: '0.1.0' },
  });
  const producer = createProducer(
    createKafka({ brokers: testEnv.kafkaBrokers.split(','), clientId: name }),
  );
  await producer.connect();
  await producer.send({
    topic: topics.dlq,
    messages: [
      {
        key: Buffer.from(dead.key ?? []),
        value: Buffer.from(dead.value ?? []),
        headers: { ...dead.headers },
      },
    ],
  });
  await producer.disconnect();
  await waitFor('the storage failure in the index', async () => (await entries()).length > poison);
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

describe('DLQ replay', () => {
  it('indexes the poison under one signature per kind, with exact counts', async () => {
    const reasons = new Map<string, number>();
    for (const e of await entries())
      reasons.set(e.error_reason ?? 'none', (reasons.get(e.error_reason ?? 'none') ?? 0) + 1);
    expect(Object.fromEntries(reasons)).toEqual({
      missing_field: NO_USER.length,
      invalid_type: BAD_SESSION.length,
      invalid_json: BAD_JSON.length,
      invalid_value: BAD_IP.length,
      none: 1,
    });
    const before = await stores();
    const truth = expected();
    // Before any replay: the valid events only (the storage failure is missing from search).
    expect(before.pg).toEqual(truth.pg.filter((id) => id.startsWith('ok-')));
    expect(before.search).toEqual(truth.search.filter((id) => id.startsWith('ok-')));
    expect(before.archive).toEqual(
      truth.all.filter((id) => id.startsWith('ok-') || id === STORAGE_FAILED.event_id),
    );
    expect(before.redis).toBe(VALID.length + 1);
  });

  it('dry runs name the invalid field and send nothing', async () => {
    const [one] = await idsOf([NO_USER[0]?.event_id as string]);
    const rawEnd = await committedEndOffset(topics.raw);
    const bad = file('bad.json', { ...NO_USER[0], user_id: 'x', session_id: 42 });
    const r = await replayJson([one as string, '--edit', bad, '--dry-run']);
    expect(r.plan).toHaveLength(1);
    expect(r.plan[0]).toMatchObject({ action: 'skip', reason: 'payload-invalid' });
    expect(r.plan[0].detail).toMatch(/^session_id: /);

    const ids = await idsOf(FIXED);
    const patch = file('fix.json', { user_id: 'fixed-by-replay' });
    const dry = await replayJson([...ids, '--patch', patch, '--dry-run']);
    expect(dry.plan.map((p: { action: string }) => p.action)).toEqual(FIXED.map(() => 'send'));
    for (const p of dry.plan) {
      expect(p.topic).toBe(topics.raw);
      expect(JSON.parse(p.payload).user_id).toBe('fixed-by-replay');
    }
    expect(await committedEndOffset(topics.raw)).toBe(rawEnd);

    const usage = await runSluice(['dlq', 'replay', '12x'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/12x is not an entry id/);
  });

  it('a fix-by-edit replay of a subset reaches every store exactly once; again and overlapping change nothing', async () => {
    const ids = await idsOf(FIXED);
    const patch = file('fix.json', { user_id: 'fixed-by-replay' });
    const r = await replayJson([...ids, '--patch', patch, '--rate', '20', '--wait', '90']);
    expect(r.job.counts).toEqual({ succeeded: FIXED.length });
    await waitFor('the pipeline to catch up', caughtUp);
    const truth = expected();
    const after = await stores();
    expect(after.pg).toEqual(truth.pg.filter((id) => id !== STORAGE_FAILED.event_id));
    expect(after.search).toEqual(truth.search.filter((id) => id !== STORAGE_FAILED.event_id));
    expect(after.archive).toEqual(truth.all);
    expect(after.redis).toBe(truth.all.length);
    const fixedRows = await db.query(
      `SELECT DISTINCT user_id FROM "${schema}".events WHERE event_id LIKE 'nu-%'`,
    );
    expect(fixedRows.rows).toEqual([{ user_id: 'fixed-by-replay' }]);
    // The rest of the signature stays in the DLQ, new.
    const rest = (await entries()).filter((e) => e.event_id.startsWith('nu-'));
    expect(
      rest
        .filter((e) => e.status === 'new')
        .map((e) => e.event_id)
        .sort(),
    ).toEqual(NO_USER.slice(5).map((e) => e.event_id));
    expect(rest.filter((e) => e.status === 'replayed')).toHaveLength(FIXED.length);

    // The same job again, and an overlapping job (those entries and cut-off JSON).
    const rawEnd = await committedEndOffset(topics.raw);
    const again = await sluiceOk(['dlq', 'resume', String(r.job.id), '--json'], env);
    expect(JSON.parse(again.stdout).run).toEqual({ sent: 0, recovered: 0, resent: 0 });
    const overlap = await replayJson([
      ...ids,
      ...(await idsOf(BAD_JSON.map((_, i) => `bj-${i}`))),
      '--patch',
      patch,
    ]);
    expect(overlap.job.counts).toEqual({ skipped: FIXED.length + BAD_JSON.length });
    const job = JSON.parse(
      (await sluiceOk(['dlq', 'job', String(overlap.job.id), '--json'], env)).stdout,
    );
    const reasons = job.entries.map((e: { skip_reason: string }) => e.skip_reason);
    expect(reasons.filter((x: string) => x === 'already-replayed')).toHaveLength(FIXED.length);
    expect(reasons.filter((x: string) => x === 'payload-invalid')).toHaveLength(BAD_JSON.length);
    expect(await committedEndOffset(topics.raw)).toBe(rawEnd);
    await waitFor('the pipeline to catch up', caughtUp);
    expect(await stores()).toEqual(after);
  }, 180_000);

  it('a storage-stage failure is replayed only to the sink that lacked it', async () => {
    const before = await stores();
    const [id] = await idsOf([STORAGE_FAILED.event_id]);
    const r = await replayJson([id as string, '--wait', '60']);
    expect(r.job.counts).toEqual({ succeeded: 1 });
    await waitFor('the pipeline to catch up', caughtUp);
    const after = await stores();
    const truth = expected();
    expect(after.search).toEqual(truth.search);
    expect(after.pg).toEqual(truth.pg);
    expect(after.redis).toBe(before.redis);
    expect(after.archive).toEqual(before.archive);
  }, 120_000);

  it('a replayed event that fails again is a new entry, linked to the old one', async () => {
    const ids = await idsOf(BAD_SESSION.map((e) => e.event_id));
    const before = (await entries()).length;
    const r = await replayJson([...ids, '--wait', '90']);
    expect(r.job.counts).toEqual({ 'failed-again': BAD_SESSION.length });
    const job = JSON.parse(
      (await sluiceOk(['dlq', 'job', String(r.job.id), '--json'], env)).stdout,
    );
    const all = await entries();
    expect(all).toHaveLength(before + BAD_SESSION.length);
    for (const row of job.entries) {
      const old = all.find((e) => e.id === row.entry_id);
      const fresh = all.find((e) => e.id === row.new_entry_id);
      expect(old?.status).toBe('failed-again');
      expect(fresh?.event_id).toBe(old?.event_id);
      expect(fresh?.status).toBe('new');
    }
    const shown = JSON.parse(
      (await sluiceOk(['dlq', 'show', String(job.entries[0].entry_id), '--json'], env)).stdout,
    );
    expect(JSON.stringify(shown)).toContain(String(job.entries[0].new_entry_id));
  }, 120_000);

  it('a job SIGKILLed mid-run resumes and sends each entry once, recognising sends it had not recorded', async () => {
    const ids = await idsOf(BAD_IP.map((e) => e.event_id));
    const patch = file('no-ip.json', { ip: null });
    const run = startSluice(
      ['dlq', 'replay', ...ids, '--patch', patch, '--rate', '4', '--as', 'it-operator'],
      env,
    );
    workers.push(run);
    const sent = async () =>
      Number(
        (
          await db.query(
            `SELECT count(*) FILTER (WHERE state = 'sent')::int AS n, max(job_id)::int AS job
             FROM "${schema}".dlq_replay_job_entries WHERE entry_id = ANY($1::bigint[])`,
            [ids],
          )
        ).rows[0].n,
      );
    await waitFor('some sends', async () => (await sent()) >= 8, 60_000);
    run.child.kill('SIGKILL');
    await run.exited;
    const job = (
      await db.query(
        `SELECT job_id::int AS id, count(*) FILTER (WHERE state = 'sent')::int AS sent,
                count(*) FILTER (WHERE state IN ('pending', 'sending'))::int AS open
         FROM "${schema}".dlq_replay_job_entries WHERE entry_id = ANY($1::bigint[]) GROUP BY job_id`,
        [ids],
      )
    ).rows[0];
    // The kill landed mid-run.
    expect(job.open, run.log()).toBeGreaterThan(0);
    // A crash between the send and its record: three sent rows look claimed but not sent.
    await db.query(
      `UPDATE "${schema}".dlq_replay_job_entries SET state = 'sending'
       WHERE (job_id, entry_id) IN (SELECT job_id, entry_id FROM "${schema}".dlq_replay_job_entries
         WHERE job_id = $1 AND state = 'sent' ORDER BY seq LIMIT 3)`,
      [job.id],
    );
    const resumed = JSON.parse(
      (await sluiceOk(['dlq', 'resume', String(job.id), '--wait', '60', '--json'], env)).stdout,
    );
    expect(resumed.run.recovered).toBeGreaterThanOrEqual(3);
    expect(resumed.job.counts).toEqual({ succeeded: BAD_IP.length });
    console.log(
      `replay job ${job.id} SIGKILLed with ${job.sent} of ${BAD_IP.length} sent; resume: ${JSON.stringify(resumed.run)}`,
    );

    // Each entry once on the raw topic, by its replay headers.
    // Everything produced to the raw topic: the input, and the records of the three replays to it.
    const rawTotal =
      VALID.length +
      NO_USER.length +
      BAD_SESSION.length +
      BAD_JSON.length +
      BAD_IP.length +
      FIXED.length +
      BAD_SESSION.length +
      BAD_IP.length;
    const raw = (await readTopic(topics.raw, rawTotal, { timeoutMs: 30_000 })).filter(
      (r) => r.headers['sluice-replay-job'] === String(job.id),
    );
    expect(raw.map((r) => r.headers['sluice-replay-entry']).sort()).toEqual([...ids].sort());
    ipReplayed = true;
    await waitFor('the pipeline to catch up', caughtUp);
    const truth = expected();
    const after = await stores();
    expect(after.pg).toEqual(truth.pg);
    expect(after.archive).toEqual(truth.all);
    expect(after.redis).toBe(truth.all.length);
  }, 180_000);

  it('a detached job (as the console plans them) is sent by the dlq-indexer worker', async () => {
    const detached = NO_USER.slice(5, 7).map((e) => e.event_id);
    const ids = await idsOf(detached);
    const patch = file('fix.json', { user_id: 'fixed-by-replay' });
    const r = await replayJson([...ids, '--patch', patch, '--detach']);
    expect(r.detached).toBe(true);
    const job = async () =>
      JSON.parse((await sluiceOk(['dlq', 'job', String(r.job), '--json'], env)).stdout).job;
    await waitFor(
      'the worker to send the job and see its outcomes',
      async () => (await job()).counts.succeeded === detached.length,
      60_000,
    );
    expect((await job()).status).toBe('done');
    detachedReplayed = detached;
    await waitFor('the pipeline to catch up', caughtUp);
    const truth = expected();
    const after = await stores();
    expect(after.pg).toEqual(truth.pg);
    expect(after.search).toEqual(truth.search);
    expect(after.archive).toEqual(truth.all);
    expect(after.redis).toBe(truth.all.length);
  }, 120_000);

  it('discards with a reason; a discarded entry is skipped by a replay', async () => {
    const [id] = await idsOf([NO_USER[7]?.event_id as string]);
    const d = await sluiceOk(['dlq', 'discard', id as string, '--reason', 'test data'], env);
    expect(d.stdout).toMatch(new RegExp(`discarded #${id}`));
    const r = await replayJson([id as string, '--dry-run']);
    expect(r.plan[0]).toMatchObject({ action: 'skip', reason: 'discarded' });
    const jobs = JSON.parse((await sluiceOk(['dlq', 'jobs', '--json'], env)).stdout).jobs;
    expect(jobs.length).toBeGreaterThanOrEqual(6);
  });
});
