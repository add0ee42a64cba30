import { aggregateKey, createPartitionAggregator, isLateDropCorrection } from '@sluice/core';
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

describe('parseStorageRecord: aggregates', () => {
  // Records as the aggregator emits them: a window's partial, then a late-drop correction for
  // it once its state is purged (retention 1 min) and an event for it arrives anyway.
  const emitted = (() => {
    const a = createPartitionAggregator(
      4,
      {
        windows: [{ name: '1m', ms: 60_000 }],
        dimensions: [],
        maxOutOfOrderMs: 0,
        allowedLatenessMs: 0,
        latePolicy: 'drop',
        idleTimeoutMs: 60_000,
        sessionGapMs: 60_000,
        retentionMs: 60_000,
        maxStateEntries: 1000,
      },
      0,
    );
    const event = (timeMs: number) => ({
      eventId: `e${timeMs}`,
      type: 'pageview',
      timeMs,
      userId: 'u1',
      sessionId: 's1',
      url: '/',
      country: 'GB',
      deviceType: 'desktop',
    });
    const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    a.add(event(T0 + 1000), 0);
    a.add(event(T0 + 10 * 60_000), 0);
    const first = a.drain();
    a.add(event(T0 + 2000), 0);
    a.add(event(T0 + 3000), 0);
    const second = a.drain();
    const window = first.windows.find((w) => w.record.window_start === '2026-01-01T10:00:00.000Z');
    const correction = second.corrections[0];
    if (!window || !correction) throw new Error('the aggregator emitted no window or correction');
    return { window, correction };
  })();
  const parse = (o: unknown) => parseStorageRecord('aggregate', { ...at, value: value(o) });
  const problem = (o: unknown) => {
    const r = parse(o);
    return r.ok ? 'accepted' : `${r.reason} ${r.message}`;
  };

  it('accepts a late-drop correction as the aggregator emits it, keyed as the aggregator keys it', () => {
    const r = parse(emitted.correction.record);
    expect(r.ok).toBe(true);
    if (!r.ok || r.record.kind !== 'aggregate') return;
    expect(r.record.data).toEqual({ ...emitted.correction.record, late_dropped: 2, correction: 1 });
    expect(isLateDropCorrection(r.record.data)).toBe(true);
    expect(aggregateKey(r.record.data)).toBe(emitted.correction.key);
  });

  it('accepts a window record with correction absent or 0, keyed as the aggregator keys it', () => {
    for (const record of [emitted.window.record, { ...emitted.window.record, correction: 0 }]) {
      const r = parse(record);
      expect(r.ok).toBe(true);
      if (!r.ok || r.record.kind !== 'aggregate') return;
      expect(isLateDropCorrection(r.record.data)).toBe(false);
      expect(aggregateKey(r.record.data)).toBe(emitted.window.key);
    }
  });

  it('rejects a correction that adds nothing, is not numbered from 1, or carries a partial', () => {
    const c = emitted.correction.record;
    expect(problem({ ...c, late_dropped: 0 })).toMatch(/^invalid_record late_dropped: /);
    expect(problem({ ...c, late_dropped: -3 })).toMatch(/^invalid_record late_dropped: /);
    expect(problem({ ...c, correction: 1.5 })).toMatch(/^invalid_record correction: /);
    expect(problem({ ...c, correction: -1 })).toMatch(/^invalid_record correction: /);
    expect(problem({ ...c, correction: '1' })).toMatch(/^invalid_record correction: /);
    expect(problem({ ...c, correction: 2 ** 31 })).toMatch(/^invalid_record correction: /);
    expect(problem({ ...c, final: false })).toMatch(/^invalid_record final: /);
    const { count, unique_users_sketch } = emitted.window.record;
    expect(problem({ ...c, count })).toMatch(/^invalid_record count: /);
    expect(problem({ ...c, unique_users_sketch })).toMatch(/^invalid_record unique_users_sketch: /);
    const { window_start: _, ...noStart } = c;
    expect(problem(noStart)).toMatch(/^invalid_record window_start: /);
  });

  it('rejects a window record without its partial, whatever its correction says', () => {
    const { count: _, ...noCount } = emitted.window.record;
    expect(problem(noCount)).toMatch(/^invalid_record count: /);
    expect(problem({ ...noCount, correction: 0 })).toMatch(/^invalid_record count: /);
    expect(problem({ ...emitted.window.record, correction: null })).toMatch(
      /^invalid_record correction: /,
    );
    expect(problem(null)).toMatch(/^invalid_record : /);
  });
});
