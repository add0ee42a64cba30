import { describe, expect, it } from 'vitest';
import {
  type AggregateRecord,
  aggregateKey,
  aggregateRecordSchema,
  lastPerKey,
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
  });

  it('keeps the last record per key', () => {
    const later = { ...agg, count: 12 };
    const other = { ...agg, type: 'click' };
    expect(lastPerKey([agg, other, later], aggregateKey)).toEqual([other, later]);
  });
});
