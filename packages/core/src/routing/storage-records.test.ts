import { describe, expect, it } from 'vitest';
import {
  type AggregateRecord,
  aggregateKey,
  aggregateRecordSchema,
  aggregateRecordSchemaOf,
  isLateDropCorrection,
  type LateDropCorrectionRecord,
  lastPerKey,
  type SessionRecord,
  sessionChanges,
  sessionRecordSchema,
} from './storage-records.ts';

const agg: AggregateRecord = {
  window_size: '1m',
  window_start: '2026-11-27T10:00:00.000Z',
  window_end: '2026-11-27T10:01:00.000Z',
  type: 'pageview',
  dimensions: '',
  source_partition: 2,
  count: 10,
  unique_users: 4,
  unique_users_sketch: 'AAEC',
  late_accepted: 0,
  late_dropped: 1,
  final: true,
};

const correction: LateDropCorrectionRecord = {
  window_size: '1m',
  window_start: '2026-11-27T10:00:00.000Z',
  window_end: '2026-11-27T10:01:00.000Z',
  type: 'pageview',
  dimensions: '',
  source_partition: 2,
  late_dropped: 3,
  correction: 7,
  final: true,
};

describe('storage records', () => {
  it('validates the aggregation contract', () => {
    expect(aggregateRecordSchema.safeParse(agg).success).toBe(true);
    expect(aggregateRecordSchema.safeParse({ ...agg, count: -1 }).success).toBe(false);
    expect(
      sessionRecordSchema.safeParse({
        session_id: 's',
        user_id: 'u',
        session_start: '2026-11-27T10:00:00Z',
        session_end: '2026-11-27T10:05:00Z',
        duration_ms: 300000,
        event_count: 3,
        pageview_count: 2,
        entry_url: '/',
        exit_url: null,
      }).success,
    ).toBe(true);
  });

  it('keys aggregates as the aggregation stage does', () => {
    expect(aggregateKey(agg)).toBe('1m|2026-11-27T10:00:00.000Z|pageview||2');
    expect(aggregateKey({ ...agg, correction: 0 as const })).toBe(
      '1m|2026-11-27T10:00:00.000Z|pageview||2',
    );
    expect(aggregateKey(correction)).toBe('1m|2026-11-27T10:00:00.000Z|pageview||2|late@7');
  });

  it('tells a late-drop correction from a window record by its schema and its number', () => {
    expect(aggregateRecordSchema.safeParse(correction).success).toBe(true);
    expect(aggregateRecordSchemaOf(correction).safeParse(correction).success).toBe(true);
    expect(aggregateRecordSchemaOf(agg).safeParse(correction).success).toBe(false);
    expect(aggregateRecordSchemaOf(correction).safeParse(agg).success).toBe(false);
    expect(isLateDropCorrection(correction)).toBe(true);
    expect(isLateDropCorrection(agg)).toBe(false);
    expect(isLateDropCorrection({ ...agg, correction: 0 as const })).toBe(false);
  });

  it('keeps a window record and its corrections apart when keeping the last per key', () => {
    const replayed = { ...correction };
    const next = { ...correction, correction: 8, late_dropped: 1 };
    expect(lastPerKey([agg, correction, next, replayed], aggregateKey)).toEqual([
      agg,
      next,
      replayed,
    ]);
  });

  it('keeps the last record per key', () => {
    const later = { ...agg, count: 12 };
    const other = { ...agg, type: 'click' };
    expect(lastPerKey([agg, other, later], aggregateKey)).toEqual([other, later]);
  });

  it('turns superseding session records into deletes and upserts that do not overlap', () => {
    const at = (min: number) => `2026-11-27T10:${String(min).padStart(2, '0')}:00.000Z`;
    const session = (start: number, over: Partial<SessionRecord> = {}): SessionRecord => ({
      session_id: 's1',
      user_id: 'u1',
      session_start: at(start),
      session_end: at(start + 5),
      duration_ms: 300_000,
      event_count: 2,
      pageview_count: 1,
      ...over,
    });
    const { upserts, deletes } = sessionChanges(
      [
        session(20),
        session(40),
        session(10, { event_count: 5, superseded_starts: [at(20), at(40)] }),
        // Written again after it was superseded: the row stays.
        session(40, { session_id: 's1', event_count: 9 }),
        session(20, { session_id: 's2' }),
      ],
      (r) => r,
    );
    expect(upserts.map((u) => [u.session_id, u.session_start, u.event_count])).toEqual([
      ['s1', at(10), 5],
      ['s1', at(40), 9],
      ['s2', at(20), 2],
    ]);
    expect(deletes).toEqual([{ session_id: 's1', session_start: at(20) }]);
  });
});
