// The DLQ inbox's procedures against the real PostgreSQL, over entries written as the indexer
// writes them (writeDlqEntries): two signatures, filters, keyset pages, one entry in full.
import { type DlqEntryRow, dlqEntryActions, writeDlqEntries } from '@sluice/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const SIG_SCHEMA = 'a'.repeat(32);
const SIG_GEOIP = 'b'.repeat(32);
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function row(i: number, over: Partial<DlqEntryRow> = {}): DlqEntryRow {
  return {
    topic: 'events.dlq',
    partition: 0,
    offset: BigInt(i),
    envelopeValid: true,
    stage: 'enrichment',
    errorClass: 'SchemaError',
    errorMessage: `field "ts" is not a time (event ${i})`,
    errorStack: `SchemaError: field "ts"\n    at validate (schema.ts:${i})`,
    retryable: false,
    attempts: 1,
    sourceTopic: 'events.raw',
    sourcePartition: 3,
    sourceOffset: BigInt(1000 + i),
    failedAt: new Date(T0 + i * 60_000),
    signature: SIG_SCHEMA,
    signatureText: 'enrichment SchemaError field "<s>" is not a time (event <n>)',
    eventId: `evt-${i}`,
    eventType: 'pageview',
    headers: { 'sluice.stage': 'enrichment', 'x-origin': `shop-${i}` },
    originalKey: Buffer.from(`user-${i}`),
    originalValue: Buffer.from(JSON.stringify({ event_id: `evt-${i}`, ts: 'yesterday' })),
    payloadText: JSON.stringify({ event_id: `evt-${i}`, ts: 'yesterday' }),
    ...over,
  };
}

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
  // 0..9: schema errors on pageviews; 10..12: GeoIP lookups on clicks, partly enriched, the
  // last one with bytes that are not UTF-8.
  await writeDlqEntries(h.db, [
    ...Array.from({ length: 10 }, (_, i) => row(i)),
    ...[10, 11, 12].map((i) =>
      row(i, {
        errorClass: 'LookupTimeout',
        errorMessage: `geoip lookup timed out after ${i} ms`,
        retryable: true,
        attempts: 4,
        signature: SIG_GEOIP,
        signatureText: 'enrichment LookupTimeout geoip lookup timed out after <n> ms',
        eventType: 'click',
        partial: { event_id: `evt-${i}`, ua: { browser: 'Firefox' } },
        ...(i === 12 ? { originalValue: Buffer.from([0xff, 0x00, 0xfe]), payloadText: null } : {}),
      }),
    ),
  ]);
});
afterAll(() => h.close());

describe('dlq.groups', () => {
  it('groups by signature with counts, first and last seen, and the latest entry as sample', async () => {
    const groups = await h.viewer.dlq.groups({});
    expect(groups.map((g) => [g.signature, g.count])).toEqual([
      [SIG_GEOIP, 3],
      [SIG_SCHEMA, 10],
    ]);
    const schema = groups[1];
    expect(schema).toMatchObject({
      stage: 'enrichment',
      errorClass: 'SchemaError',
      firstFailedAt: new Date(T0).toISOString(),
      lastFailedAt: new Date(T0 + 9 * 60_000).toISOString(),
      byStatus: { new: 10, replayed: 0, discarded: 0, 'failed-again': 0 },
      sample: { eventId: 'evt-9', eventType: 'pageview' },
    });
  });

  it('filters by error class, event type, time range and text', async () => {
    const count = async (f: Parameters<typeof h.viewer.dlq.groups>[0]) =>
      (await h.viewer.dlq.groups(f)).map((g) => g.count);
    expect(await count({ errorClass: 'LookupTimeout' })).toEqual([3]);
    expect(await count({ eventType: 'pageview' })).toEqual([10]);
    expect(await count({ stage: 'storage' })).toEqual([]);
    expect(await count({ status: ['discarded'] })).toEqual([]);
    expect(await count({ sinceMs: T0 + 5 * 60_000, untilMs: T0 + 11 * 60_000 })).toEqual([1, 5]);
    expect(await count({ text: 'TIMED OUT' })).toEqual([3]);
    // In the payload, and `_` is a literal character, not a wildcard.
    expect(await count({ text: '"evt-7"' })).toEqual([1]);
    expect(await count({ text: 'evt_7' })).toEqual([]);
  });

  it('refuses text shorter than three characters and a status it does not know', async () => {
    expect(await codeOf(h.viewer.dlq.groups({ text: 'ab' }))).toBe('BAD_REQUEST');
    expect(await codeOf(h.viewer.dlq.groups({ status: ['gone' as 'new'] }))).toBe('BAD_REQUEST');
    expect(await codeOf(h.viewer.dlq.groups({ limit: 201 }))).toBe('BAD_REQUEST');
  });
});

describe('dlq.entries', () => {
  it('pages a signature newest first with a cursor until the last page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.viewer.dlq.entries({ signature: SIG_SCHEMA, limit: 4, cursor });
      seen.push(...page.entries.map((e) => e.eventId ?? ''));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `evt-${9 - i}`));
  });

  it('carries offsets as strings and leaves the payloads out of the list', async () => {
    const { entries } = await h.viewer.dlq.entries({ errorClass: 'LookupTimeout', limit: 1 });
    expect(entries[0]).toMatchObject({ offset: '12', sourceOffset: '1012', attempts: 4 });
    expect(entries[0]).not.toHaveProperty('originalValue');
  });

  it('refuses a forged cursor and a page size over 100', async () => {
    expect(await codeOf(h.viewer.dlq.entries({ cursor: 'not-a-cursor' }))).toBe('BAD_REQUEST');
    expect(await codeOf(h.viewer.dlq.entries({ limit: 101 }))).toBe('BAD_REQUEST');
  });
});

describe('dlq.entry', () => {
  it('shows the error, every header, the bytes as JSON, the partial payload and the history', async () => {
    const [first] = (await h.viewer.dlq.entries({ signature: SIG_GEOIP, limit: 3 })).entries.slice(
      -1,
    );
    const id = first?.id as number;
    await h.db.insert(dlqEntryActions).values({
      entryId: id,
      actor: 'ops@example.test',
      action: 'discarded',
      statusBefore: 'new',
      statusAfter: 'discarded',
      reason: 'test traffic',
    });
    const e = await h.viewer.dlq.entry({ id });
    expect(e).toMatchObject({
      errorClass: 'LookupTimeout',
      errorMessage: 'geoip lookup timed out after 10 ms',
      errorStack: expect.stringContaining('at validate'),
      headers: { 'sluice.stage': 'enrichment', 'x-origin': 'shop-10' },
      key: { kind: 'text', text: 'user-10' },
      value: { kind: 'json', json: { event_id: 'evt-10', ts: 'yesterday' } },
      partial: { event_id: 'evt-10', ua: { browser: 'Firefox' } },
      actions: [{ actor: 'ops@example.test', action: 'discarded', reason: 'test traffic' }],
    });
    expect(e).not.toHaveProperty('originalValue');
  });

  it('shows bytes that are not UTF-8 as hex, and answers null for an id it does not hold', async () => {
    const [latest] = (await h.viewer.dlq.entries({ signature: SIG_GEOIP, limit: 1 })).entries;
    const e = await h.viewer.dlq.entry({ id: latest?.id as number });
    expect(e?.value).toEqual({ kind: 'hex', hex: 'ff00fe', bytes: 3, cut: false });
    expect(await h.viewer.dlq.entry({ id: 999_999 })).toBeNull();
  });
});

describe('access', () => {
  it('refuses every DLQ procedure signed out', async () => {
    const calls = [
      h.anonymous.dlq.groups({}),
      h.anonymous.dlq.entries({}),
      h.anonymous.dlq.entry({ id: 1 }),
    ];
    expect(await Promise.all(calls.map(codeOf))).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
    ]);
  });
});
