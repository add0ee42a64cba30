import { parseDlqHeaders } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import type { DeadLetter, SinkRecord } from './sink.ts';
import { createStorageDlq, type DlqMessage } from './storage-dlq.ts';

const source = { topic: 'events.enriched', partition: 3, offset: '42', timestampMs: 1_000 };

function dlq() {
  const sent: DlqMessage[][] = [];
  const d = createStorageDlq({
    workerId: 'w1',
    appVersion: '1.2.3',
    send: async (m) => {
      sent.push(m);
    },
    now: () => 9_000,
  });
  return { d, sent };
}

const meta = (m: DlqMessage | undefined) => {
  const r = parseDlqHeaders(m?.headers ?? {});
  if (r.kind !== 'ok') throw new Error(`unreadable headers: ${r.message}`);
  return r.metadata;
};

describe('createStorageDlq', () => {
  it('dead-letters a refused record with its real failure history and its bytes unchanged', async () => {
    const { d, sent } = dlq();
    const record = {
      ...source,
      key: Buffer.from('s1'),
      value: Buffer.from('{"event_id":"e1"}'),
      kind: 'event',
      data: {},
    } as unknown as SinkRecord;
    const letter: DeadLetter = {
      record,
      errorClass: 'pg_22P05',
      message: 'unsupported Unicode escape sequence',
      retryable: false,
      attempts: 3,
      firstFailureMs: 2_000,
      lastFailureMs: 5_000,
    };
    await d.refused('timescaledb', [letter]);
    expect(sent).toHaveLength(1);
    const m = sent[0]?.[0];
    expect(m?.key).toEqual(Buffer.from('s1'));
    expect(m?.value).toEqual(Buffer.from('{"event_id":"e1"}'));
    expect(meta(m)).toMatchObject({
      stage: 'storage:timescaledb',
      errorClass: 'pg_22P05',
      retryable: false,
      attempts: 3,
      firstFailureMs: 2_000,
      lastFailureMs: 5_000,
      workerId: 'w1',
      appVersion: '1.2.3',
      source,
    });
  });

  it('dead-letters an unreadable record with its reason, failed once, now', async () => {
    const { d, sent } = dlq();
    await d.rejected([
      {
        record: { ...source, key: null, value: Buffer.from('{') },
        reason: 'invalid_json',
        message: 'bad',
      },
    ]);
    expect(meta(sent[0]?.[0])).toMatchObject({
      stage: 'storage',
      errorClass: 'InvalidRecord',
      reason: 'invalid_json',
      attempts: 1,
      firstFailureMs: 9_000,
      lastFailureMs: 9_000,
    });
  });

  it('sends nothing for nothing', async () => {
    const { d, sent } = dlq();
    await d.rejected([]);
    await d.refused('redis', []);
    expect(sent).toEqual([]);
  });
});
