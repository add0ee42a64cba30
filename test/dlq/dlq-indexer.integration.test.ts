// The DLQ indexer against the real broker and PostgreSQL, run as users run it (the `sluice` CLI):
// dead letters from the real enrichment worker (transactional, so the topic has commit markers),
// dead letters written the way the stages write them, and records that are no envelope at all →
// the index holds exactly the records of the topic as an independent read_committed reader sees
// them, each once, with its bytes, grouped under the right signatures; still exactly that when
// the indexer is SIGKILLed mid-run and restarted; and again after `sluice dlq rebuild`.
import { Buffer } from 'node:buffer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, createProducer } from '@sluice/kafka';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEvents } from '../enrichment/raw-events.fixture.ts';
import { testEnv, uniqueName } from '../env.ts';
import {
  committedEndOffset,
  groupLag,
  type ReadRecord,
  readTopic,
} from '../support/kafka-reader.ts';
import { produceLines, runSluice, sluiceOk, waitFor } from '../support/sluice-cli.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';
import { POISON_KINDS, poisonRecords } from './dlq-fixtures.ts';

const name = uniqueName('it-dlq').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_');
const dir = mkdtempSync(join(tmpdir(), 'sluice-dlq-'));
const geoDb = join(dir, 'city.mmdb');
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  DATABASE_SCHEMA: schema,
  GEOIP_CITY_DB: geoDb,
  ENRICH_MAX_BATCH: '200',
};
// The indexer commits its offsets every 5 s: the kill below lands after batches are in
// PostgreSQL but before their offsets are committed, so the restarted indexer reads them again.
const indexerEnv = { STAGE_COMMIT_INTERVAL_MS: '5000' };
const topics = { raw: `${prefix}events.raw`, dlq: `${prefix}events.dlq` };
const group = `${prefix}dlq-indexers`;
const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const workers = workerProcesses(env);

/** Dead letters written as the stages write them. */
const POISON = poisonRecords(24_000, { tag: 'direct' });
/** Records on the DLQ topic that are no envelope: written by hand, another tool, a bug. */
const NOT_ENVELOPES = [
  { value: Buffer.from('a record with no headers at all'), headers: {} },
  { value: Buffer.from([0xff, 0x00, 0xfe]), headers: { 'sluice.stage': 'enrichment' } },
  {
    value: null,
    headers: {
      'sluice.envelope.version': '1',
      'sluice.stage': 'storage:s3',
      'sluice.error.class': 'Error',
      'sluice.error.message': 'x',
      'sluice.attempts': 'many',
      'sluice.partial': '{"not": json',
    },
  },
];
const RAW = rawEvents(2_000, 50, 'enr');

const startIndexer = (id: string) => workers.start('dlq-indexer', id, indexerEnv);

async function indexed(): Promise<number> {
  const r = await db.query(`SELECT count(*)::int AS n FROM "${schema}".dlq_entries`);
  return r.rows[0].n;
}

interface IndexRow {
  partition: number;
  offset: string;
  original_value: Buffer | null;
  stage: string;
  error_reason: string | null;
  signature: string;
  envelope_valid: boolean;
  event_id: string | null;
}

async function indexRows(): Promise<IndexRow[]> {
  const r = await db.query(
    `SELECT partition, "offset"::text AS offset, original_value, stage, error_reason, signature,
            envelope_valid, event_id
     FROM "${schema}".dlq_entries ORDER BY partition, "offset"`,
  );
  return r.rows;
}

const key = (partition: number, offset: string) => `${partition}@${offset}`;

/** The index holds exactly the records of the topic, each once, with their bytes. */
function expectIndexEqualsTopic(rows: IndexRow[], topic: ReadRecord[]) {
  expect(rows.length).toBe(topic.length);
  const byKey = new Map(rows.map((r) => [key(r.partition, r.offset), r]));
  expect(byKey.size).toBe(rows.length);
  for (const rec of topic) {
    const row = byKey.get(key(rec.partition, rec.offset));
    expect(row, `record ${key(rec.partition, rec.offset)} is in the index`).toBeDefined();
    expect(row?.original_value ?? null).toEqual(rec.value);
  }
}

let expectedTotal = 0;

beforeAll(async () => {
  await sluiceOk(['geoip', 'build-test-db', '--out', geoDb, '--build-epoch', '1700000000'], env);
  await sluiceOk(['migrate', '--schema', schema], env);
  await sluiceOk(['topics', 'create'], env);

  const kafka = createKafka({ brokers: testEnv.kafkaBrokers.split(','), clientId: name });
  const producer = createProducer(kafka);
  await producer.connect();
  for (let i = 0; i < POISON.length; i += 2000) {
    await producer.send({
      topic: topics.dlq,
      messages: POISON.slice(i, i + 2000).map((p) => ({
        key: p.record.key ? Buffer.from(p.record.key) : null,
        value: p.record.value ? Buffer.from(p.record.value) : null,
        headers: { ...p.record.headers },
      })),
    });
  }
  await producer.send({
    topic: topics.dlq,
    messages: NOT_ENVELOPES.map((m) => ({ ...m, key: null })),
  });
  await producer.disconnect();

  // Poison through the real enrichment worker: its dead letters are written in transactions.
  await produceLines(env, join(dir, 'raw.ndjson'), RAW.lines);
  const enrichment = workers.start('enrichment', 'e1');
  await waitFor(
    'enrichment to catch up',
    async () => (await groupLag(`${prefix}enrichment-workers`, topics.raw)) === 0,
  );
  enrichment.child.kill('SIGTERM');
  expect(await enrichment.exited).toBe(0);
  expectedTotal = POISON.length + NOT_ENVELOPES.length + RAW.malformed.size;
}, 180_000);

afterAll(() =>
  tearDownSuite({ workers: workers.all, topicPrefix: prefix, postgres: { db, schema } }),
);

describe('DLQ indexer', () => {
  let topic: ReadRecord[] = [];

  it('indexes every record of the DLQ topic exactly once across a SIGKILL', async () => {
    topic = await readTopic(topics.dlq, expectedTotal);
    expect(topic.length).toBe(expectedTotal);

    const first = startIndexer('i1');
    await waitFor('the first entries', async () => (await indexed()) >= 4000, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await indexed();
    // The kill must land mid-run for this test to mean anything.
    expect(atKill).toBeLessThan(expectedTotal);
    const lagAtKill = await groupLag(group, topics.dlq);
    const committedAtKill = (await committedEndOffset(topics.dlq)) - lagAtKill;
    // ... and after writes whose offsets were not committed yet: they are read again.
    expect(committedAtKill).toBeLessThan(atKill);
    console.log(
      `indexer SIGKILLed with ${atKill} of ${expectedTotal} entries indexed, ${committedAtKill} offsets committed`,
    );

    const second = startIndexer('i1');
    await waitFor(
      'the index to catch up',
      async () => (await groupLag(group, topics.dlq)) === 0,
      120_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.log()).toMatch(/stopped/);

    const rows = await indexRows();
    expectIndexEqualsTopic(rows, topic);

    // Every kind of poison is one group, holding exactly its records; kinds do not merge.
    const direct = rows.filter((r) => r.event_id?.startsWith('direct-'));
    expect(direct.length).toBe(POISON.length);
    const kindOf = new Map(POISON.map((p) => [p.eventId, p.kind]));
    const signaturesByKind = new Map<number, Set<string>>();
    for (const r of direct) {
      const kind = kindOf.get(r.event_id as string) as number;
      if (!signaturesByKind.has(kind)) signaturesByKind.set(kind, new Set());
      signaturesByKind.get(kind)?.add(r.signature);
    }
    expect(signaturesByKind.size).toBe(POISON_KINDS.length);
    for (const s of signaturesByKind.values()) expect(s.size).toBe(1);
    expect(new Set([...signaturesByKind.values()].map((s) => [...s][0])).size).toBe(
      POISON_KINDS.length,
    );

    // The enrichment worker's dead letters, by the reason the fixture put in each.
    const expectedReasons = new Map<string, number>();
    for (const reason of RAW.malformed.values())
      expectedReasons.set(reason, (expectedReasons.get(reason) ?? 0) + 1);
    const reasons = new Map<string, number>();
    const fromWorker = rows.filter(
      (x) => x.envelope_valid && x.stage === 'enrichment' && !x.event_id?.startsWith('direct-'),
    );
    for (const r of fromWorker)
      reasons.set(r.error_reason as string, (reasons.get(r.error_reason as string) ?? 0) + 1);
    expect(reasons).toEqual(expectedReasons);

    // Not an envelope: indexed anyway, marked so.
    expect(rows.filter((r) => !r.envelope_valid)).toHaveLength(NOT_ENVELOPES.length);

    // The index says how far it has read: the last record of each partition.
    const last = new Map<number, string>();
    for (const rec of topic)
      if (BigInt(rec.offset) > BigInt(last.get(rec.partition) ?? '-1'))
        last.set(rec.partition, rec.offset);
    const positions = await db.query(
      `SELECT partition, last_offset::text AS o FROM "${schema}".dlq_index_positions WHERE topic = $1`,
      [topics.dlq],
    );
    expect(new Map(positions.rows.map((p) => [p.partition, p.o]))).toEqual(last);
  }, 300_000);

  it('lists the groups with exact counts through `sluice dlq list --json`', async () => {
    const r = await sluiceOk(
      ['dlq', 'list', '--json', '--limit', '100', '--stage', 'storage:elasticsearch'],
      env,
    );
    const groups = JSON.parse(r.stdout).groups as {
      count: number;
      stage: string;
      signature_text: string;
    }[];
    const k = POISON_KINDS.findIndex((x) => x.stage === 'storage:elasticsearch');
    expect(groups).toHaveLength(1);
    expect(groups[0]?.count).toBe(POISON.filter((p) => p.kind === k).length);
    expect(groups[0]?.signature_text).toBe(
      'storage:elasticsearch · ResponseError: mapper_parsing_exception: failed to parse field [properties.price] of type [float] in document with id <str>',
    );

    const all = JSON.parse(
      (await sluiceOk(['dlq', 'list', '--json', '--limit', '1000'], env)).stdout,
    ).groups as { count: number }[];
    expect(all.reduce((s, g) => s + g.count, 0)).toBe(expectedTotal);

    const bad = await runSluice(['dlq', 'list', '--status', 'done'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--status/);
  });

  it('rebuilds from the topic: what was lost comes back, nothing is doubled, statuses stay', async () => {
    await db.query(`UPDATE "${schema}".dlq_entries SET status = 'discarded' WHERE id % 5 = 0`);
    const discarded = (
      await db.query(
        `SELECT count(*)::int AS n FROM "${schema}".dlq_entries WHERE status = 'discarded'`,
      )
    ).rows[0].n;
    await db.query(`DELETE FROM "${schema}".dlq_entries WHERE id % 7 = 0 AND status = 'new'`);
    const lost = expectedTotal - (await indexed());
    expect(lost).toBeGreaterThan(0);

    const started = Date.now();
    const r = await sluiceOk(['dlq', 'rebuild', '--timeout', '240'], env);
    console.log(
      `rebuild of ${expectedTotal} records (${lost} lost) took ${Date.now() - started} ms`,
    );
    expect(r.stderr).toMatch(new RegExp(`${lost} new to the index`));
    expectIndexEqualsTopic(await indexRows(), topic);
    const after = (
      await db.query(
        `SELECT count(*)::int AS n FROM "${schema}".dlq_entries WHERE status = 'discarded'`,
      )
    ).rows[0].n;
    expect(after).toBe(discarded);

    // Run again: nothing new.
    const again = await sluiceOk(['dlq', 'rebuild', '--timeout', '240'], env);
    expect(again.stderr).toMatch(/\(0 new to the index/);
    expect(await indexed()).toBe(expectedTotal);
  }, 300_000);
});
