// The DLQ inbox's queries at 100,000 entries on the real PostgreSQL: grouped by signature, paged
// (keyset), filtered by every filter the inbox has, each within 300 ms of server time (EXPLAIN
// ANALYZE of the very query the CLI and the console run), and right: the groups' counts are
// the entries' counts, and paging through a filtered set visits each entry once.
import { decodeDlqEntry } from '@sluice/core';
import {
  countDlqEntries,
  createDb,
  type DlqInboxFilter,
  dlqEntriesQuery,
  dlqGroupsQuery,
  explainAnalyze,
  listDlqEntries,
  listDlqGroups,
  runMigrations,
  writeDlqEntries,
} from '@sluice/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDlqEntryRow } from '../../apps/worker/src/dlq/dlq-entry-row.ts';
import { testEnv, uniqueName } from '../env.ts';
import { POISON_KINDS, poisonRecords } from './dlq-fixtures.ts';

const ENTRIES = 100_000;
const BUDGET_MS = 300;
const END_MS = Date.parse('2026-03-01T12:00:00Z');
const schema = uniqueName('it_dlq_inbox');
const db = createDb({ url: testEnv.databaseUrl, searchPath: schema, maxConnections: 2 });
const records = poisonRecords(ENTRIES, { endMs: END_MS });

beforeAll(async () => {
  await runMigrations({ url: testEnv.databaseUrl, schema });
  for (let i = 0; i < records.length; i += 1000) {
    const rows = records.slice(i, i + 1000).map((p, j) =>
      toDlqEntryRow(
        decodeDlqEntry({
          topic: 'events.dlq',
          partition: (i + j) % 12,
          offset: String(i + j),
          timestampMs: END_MS,
          key: p.record.key,
          value: p.record.value,
          headers: p.record.headers,
        }),
      ),
    );
    await writeDlqEntries(db, rows);
  }
  // Operators have acted on some: a fifth is no longer new.
  await db.$client.query(`UPDATE dlq_entries SET status = CASE
      WHEN id % 10 = 0 THEN 'replayed' WHEN id % 20 = 1 THEN 'discarded'
      WHEN id % 20 = 3 THEN 'failed-again' ELSE 'new' END`);
  // What autovacuum does to a table that took this many writes; the plans assume it.
  await db.$client.query('VACUUM ANALYZE dlq_entries');
}, 600_000);

afterAll(async () => {
  await db.$client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.$client.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await db.$client.end();
});

const since = END_MS - 86_400_000;
const esKind = POISON_KINDS.findIndex((k) => k.stage === 'storage:elasticsearch');

async function midCursor(filter: DlqInboxFilter) {
  const half = Math.floor((await countDlqEntries(db, filter)) / 2);
  const page = await listDlqEntries(db, filter, { limit: half });
  return page.next;
}

/** Median server time of three runs, and the plan of the last. */
async function measure(query: Parameters<typeof explainAnalyze>[1]) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await explainAnalyze(db, query));
  const times = runs.map((r) => r.executionMs).sort((a, b) => a - b);
  return { ms: times[1] as number, plan: runs[2]?.plan ?? [] };
}

const scans = (plan: string[]) =>
  plan
    .filter((l) => /Scan|Aggregate/.test(l))
    .map((l) =>
      l
        .trim()
        .replace(/\s+\(cost.*$/, '')
        .replace(/^->\s+/, ''),
    );

describe(`DLQ inbox at ${ENTRIES} entries`, () => {
  it(`groups by signature under every filter within ${BUDGET_MS} ms`, async () => {
    const sig = (await listDlqGroups(db, {}))[0]?.signature as string;
    const filters: [string, DlqInboxFilter][] = [
      ['all', {}],
      ['status new', { status: ['new'] }],
      ['stage + event type', { stage: 'enrichment', eventType: 'click' }],
      ['error class + status', { errorClass: 'TransientLookupError', status: ['failed-again'] }],
      ['last day', { sinceMs: since }],
      ['one signature', { signature: sig }],
      ['text in the message', { text: 'mapper_parsing' }],
      ['text in the payload, common', { text: 'pageview' }],
      ['text in the payload, rare', { text: 'p-4242"' }],
    ];
    for (const [what, f] of filters) {
      const { ms, plan } = await measure(dlqGroupsQuery(f));
      console.log(`groups, ${what}: ${ms.toFixed(1)} ms; ${scans(plan).join(' | ')}`);
      expect(ms, `groups, ${what}`).toBeLessThan(BUDGET_MS);
    }
  }, 120_000);

  it(`pages entries (keyset) under every filter within ${BUDGET_MS} ms, a page in the middle as fast as the first`, async () => {
    const sig = (await listDlqGroups(db, {}))[0]?.signature as string;
    const filters: [string, DlqInboxFilter][] = [
      ['all', {}],
      ['status new', { status: ['new'] }],
      ['one signature', { signature: sig }],
      ['stage + error class', { stage: 'storage:elasticsearch', errorClass: 'ResponseError' }],
      ['event type', { eventType: 'click' }],
      ['status + event type', { status: ['new'], eventType: 'click' }],
      ['error class + status', { errorClass: 'TransientLookupError', status: ['failed-again'] }],
      ['last day + event type', { sinceMs: since, eventType: 'signup' }],
      ['text, common', { text: 'pageview' }],
      ['text, rare', { text: 'p-4242"' }],
    ];
    for (const [what, f] of filters) {
      for (const [where, after] of [
        ['first page', undefined],
        ['middle page', await midCursor(f)],
      ] as const) {
        const { ms, plan } = await measure(dlqEntriesQuery(db, f, 51, after));
        console.log(`entries, ${what}, ${where}: ${ms.toFixed(2)} ms; ${scans(plan).join(' | ')}`);
        expect(ms, `entries, ${what}, ${where}`).toBeLessThan(BUDGET_MS);
        // A page reads a page's worth of index, not the entries before it.
        if (!f.text && !f.errorClass) expect(plan.join('\n')).not.toMatch(/Seq Scan|Sort/);
      }
    }
  }, 120_000);

  it("counts each group's entries exactly", async () => {
    const groups = await listDlqGroups(db, {}, 100);
    expect(groups).toHaveLength(POISON_KINDS.length);
    expect(groups.reduce((s, g) => s + g.count, 0)).toBe(ENTRIES);
    const es = groups.find((g) => g.stage === 'storage:elasticsearch');
    expect(es?.count).toBe(records.filter((r) => r.kind === esKind).length);
    expect(es?.sample.eventId).toMatch(/^p-\d+$/);
    const byStatus = Object.values(es?.byStatus ?? {}).reduce((s, n) => s + n, 0);
    expect(byStatus).toBe(es?.count);
    const clicks = await listDlqGroups(db, { eventType: 'click', status: ['new'] }, 100);
    expect(clicks.reduce((s, g) => s + g.count, 0)).toBe(
      await countDlqEntries(db, { eventType: 'click', status: ['new'] }),
    );
  });

  it('pages through a filtered set visiting each entry once, newest failure first', async () => {
    const filter: DlqInboxFilter = { stage: 'storage:elasticsearch' };
    const seen = new Set<number>();
    let last = Number.POSITIVE_INFINITY;
    let after: Awaited<ReturnType<typeof listDlqEntries>>['next'];
    do {
      const page = await listDlqEntries(db, filter, { limit: 997, after });
      for (const e of page.entries) {
        expect(seen.has(e.id)).toBe(false);
        seen.add(e.id);
        expect(e.failedAt.getTime()).toBeLessThanOrEqual(last);
        last = e.failedAt.getTime();
      }
      after = page.next;
    } while (after);
    expect(seen.size).toBe(records.filter((r) => r.kind === esKind).length);
  });

  it('takes the text filter literally: % and _ match themselves', async () => {
    expect(await countDlqEntries(db, { text: '%%%' })).toBe(0);
    expect(await countDlqEntries(db, { text: 'ref=x_x' })).toBe(0);
    expect(await countDlqEntries(db, { text: 'mapper_parsing' })).toBe(
      records.filter((r) => r.kind === esKind).length,
    );
  });
});
