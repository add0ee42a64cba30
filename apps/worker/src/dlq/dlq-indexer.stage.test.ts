import { Buffer } from 'node:buffer';
import { buildDlqRecord, DLQ_HEADERS } from '@sluice/core';
import type { DlqEntryRow } from '@sluice/db';
import type { ConsumedMessage, StageContext } from '@sluice/kafka';
import { describe, expect, it } from 'vitest';
import { bareRow, createDlqIndexerStage, isContentError } from './dlq-indexer.stage.ts';

const T = Date.parse('2026-03-01T10:00:00Z');
const ctx = {} as StageContext;

function message(offset: number, headers: Record<string, string>, value = '{"event_id":"e"}') {
  return {
    topic: 'events.dlq',
    partition: 1,
    offset,
    timestamp: T,
    size: value.length,
    key: Buffer.from('k'),
    value: Buffer.from(value),
    headers: Object.entries(headers).map(([k, v]) => ({ [k]: Buffer.from(v) })),
  } as ConsumedMessage;
}

const envelope = buildDlqRecord({
  key: null,
  value: null,
  source: { topic: 'events.raw', partition: 0, offset: '5', timestampMs: T },
  failure: {
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    message: 'user_id is required',
    retryable: false,
    attempts: 1,
    firstFailureMs: T,
    lastFailureMs: T,
  },
  context: { workerId: 'w', appVersion: '0.1.0' },
}).headers;

class PgError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const quiet = () => {};

describe('the DLQ indexer stage', () => {
  it('writes the whole batch, valid or not, before the runner may commit, then commits every position', async () => {
    const written: DlqEntryRow[][] = [];
    const stage = createDlqIndexerStage({
      write: async (rows) => {
        written.push(rows);
        return { inserted: rows.length };
      },
      log: quiet,
    });
    const r = await stage.process([message(3, envelope), message(4, {}, 'not json')], ctx);
    expect(r.records).toEqual([]);
    expect(written).toHaveLength(1);
    expect(written[0]?.map((x) => [x.offset, x.envelopeValid, x.stage])).toEqual([
      [3n, true, 'enrichment'],
      [4n, false, 'unknown'],
    ]);
    const positions = [{ topic: 'events.dlq', partition: 1, offset: 6 }];
    expect(stage.durableOffsets?.(positions)).toEqual(positions);
  });

  it('keeps every occurrence of a header name', async () => {
    let row: DlqEntryRow | undefined;
    const stage = createDlqIndexerStage({
      write: async (rows) => {
        row = rows[0];
        return { inserted: 1 };
      },
      log: quiet,
    });
    const m = message(1, envelope);
    m.headers = [
      ...(m.headers ?? []),
      { 'x-trace': Buffer.from('a') },
      { 'x-trace': Buffer.from('b') },
    ];
    await stage.process([m], ctx);
    expect(row?.headers).toMatchObject({
      'x-trace': ['a', 'b'],
      [DLQ_HEADERS.stage]: 'enrichment',
    });
  });

  it('retries a transient write failure, then gives up with the reason (the worker exits)', async () => {
    let calls = 0;
    const logged: string[] = [];
    const stage = createDlqIndexerStage({
      write: async () => {
        calls++;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
          code: 'ECONNREFUSED',
        });
      },
      log: (_l, m) => logged.push(m),
      retries: 2,
      minBackoffMs: 1,
    });
    await expect(stage.process([message(1, envelope)], ctx)).rejects.toThrow(
      /DLQ index write failed for good: connect ECONNREFUSED/,
    );
    expect(calls).toBe(3);
    expect(logged.filter((m) => /retrying/.test(m))).toHaveLength(2);
  });

  it('succeeds when a retry does', async () => {
    let calls = 0;
    const stage = createDlqIndexerStage({
      write: async (rows) => {
        if (++calls === 1) throw new PgError('terminating connection', '57P01');
        return { inserted: rows.length };
      },
      log: quiet,
      minBackoffMs: 1,
    });
    await stage.process([message(1, envelope)], ctx);
    expect(calls).toBe(2);
  });

  it('writes a row the database refuses for its content bare, and the rest as they are', async () => {
    const stored: DlqEntryRow[] = [];
    const stage = createDlqIndexerStage({
      write: async (rows) => {
        // The database refuses any batch holding the row at offset 2, unless it is bare.
        if (rows.some((r) => r.offset === 2n && r.envelopeValid)) {
          // drizzle wraps the driver's error; the SQLSTATE is on its cause
          throw Object.assign(new Error('Failed query'), {
            cause: new PgError('index row size exceeds maximum', '54000'),
          });
        }
        stored.push(...rows);
        return { inserted: rows.length };
      },
      log: quiet,
      minBackoffMs: 1,
    });
    await stage.process([message(1, envelope), message(2, envelope), message(3, envelope)], ctx);
    expect(stored.map((r) => [r.offset, r.envelopeValid])).toEqual([
      [1n, true],
      [2n, false],
      [3n, true],
    ]);
    expect(stored[1]?.envelopeProblem).toBe(
      'not indexable as read, kept bare: index row size exceeds maximum',
    );
    expect(stored[1]?.originalValue).toEqual(Buffer.from('{"event_id":"e"}'));
  });

  it('reports positions instead of committing them during a rebuild', () => {
    const seen: unknown[] = [];
    const stage = createDlqIndexerStage({
      write: async () => ({ inserted: 0 }),
      log: quiet,
      observePositions: (p) => seen.push(...p),
    });
    const positions = [{ topic: 'events.dlq', partition: 0, offset: 10 }];
    expect(stage.durableOffsets?.(positions)).toEqual([]);
    expect(seen).toEqual(positions);
  });
});

describe('isContentError', () => {
  it('knows data and limit errors from connection faults, wrapped or not', () => {
    expect(isContentError(new PgError('invalid byte sequence', '22021'))).toBe(true);
    expect(isContentError({ cause: new PgError('too big', '54000') })).toBe(true);
    expect(isContentError(new PgError('admin shutdown', '57P01'))).toBe(false);
    expect(isContentError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
  });
});

describe('bareRow', () => {
  it('keeps position, time, signature and bytes', () => {
    const row = bareRow(
      {
        topic: 't',
        partition: 0,
        offset: 9n,
        envelopeValid: true,
        stage: 's',
        errorClass: 'c',
        errorMessage: 'm'.repeat(1000),
        failedAt: new Date(T),
        signature: 'a'.repeat(32),
        signatureText: 'x',
        headers: { a: 'b' },
        originalValue: Buffer.from('v'),
      },
      'why',
    );
    expect(row).toMatchObject({
      offset: 9n,
      envelopeValid: false,
      headers: {},
      signature: 'a'.repeat(32),
    });
    expect(row.errorMessage).toHaveLength(200);
  });
});
