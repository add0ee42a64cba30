import { describe, expect, it } from 'vitest';
import { parseStorageRecord } from './storage-record-parser.ts';

const at = { topic: 't', partition: 0, offset: '7', timestampMs: 0, key: null };
const value = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseStorageRecord', () => {
  it('accepts an enriched event and keeps its bytes', () => {
    const v = value({
      event_id: 'e1',
      type: 'pageview',
      timestamp: '2026-11-27T10:00:00.000Z',
      timestamp_ms: 1,
      user_id: 'u',
      session_id: 's',
    });
    const r = parseStorageRecord('event', { ...at, value: v });
    expect(r.ok && r.record.value).toBe(v);
    expect(r.ok && r.record.kind).toBe('event');
  });

  it('rejects bad JSON, missing fields and contract violations with a reason', () => {
    expect(parseStorageRecord('event', { ...at, value: Buffer.from('{') })).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    });
    expect(parseStorageRecord('event', { ...at, value: value({ type: 'x' }) })).toMatchObject({
      ok: false,
      reason: 'not_an_enriched_event',
    });
    expect(
      parseStorageRecord('session', { ...at, value: value({ session_id: 's' }) }),
    ).toMatchObject({ ok: false, reason: 'invalid_record' });
    expect(parseStorageRecord('aggregate', { ...at, value: null })).toMatchObject({
      ok: false,
      reason: 'empty_value',
    });
  });
});
