import { describe, expect, it } from 'vitest';
import {
  latencyField,
  minuteBucket,
  realtimeDeltas,
  realtimeKeys,
  STAGE_METRIC_PATTERN,
  stageCountBucket,
  stageCountBuckets,
  stageRateBuckets,
  stageRatePerSecond,
  summariseLatency,
} from './realtime-keys.ts';

describe('realtime key layout', () => {
  it('buckets by event-time minute in UTC', () => {
    expect(minuteBucket(Date.parse('2026-11-27T10:00:59.999Z'))).toBe('2026-11-27T10:00');
    expect(minuteBucket(Date.parse('2026-11-27T10:01:00.000Z'))).toBe('2026-11-27T10:01');
  });

  it('names keys under the prefix', () => {
    expect(realtimeKeys.count('sluice:', '2026-11-27T10:00')).toBe(
      'sluice:rt:count:2026-11-27T10:00',
    );
    expect(realtimeKeys.users('p:', 'm')).toBe('p:rt:users:m');
    expect(realtimeKeys.pages('p:', 'm')).toBe('p:rt:pages:m');
    expect(realtimeKeys.fence('p:', 'events.enriched', 7)).toBe('p:rt:fence:events.enriched:7');
  });
});

describe('realtimeDeltas', () => {
  it('counts per minute by type, with totals, errors, users and pageview urls', () => {
    const t = Date.parse('2026-11-27T10:00:10Z');
    const d = realtimeDeltas([
      { type: 'pageview', timestamp_ms: t, user_id: 'u1', url: '/a' },
      { type: 'pageview', timestamp_ms: t + 1, user_id: 'u2', url: '/a' },
      { type: 'click', timestamp_ms: t + 2, user_id: 'u1', url: '/a' },
      { type: 'error', timestamp_ms: t + 3, user_id: 'u3' },
      { type: 'exception', timestamp_ms: t + 60_000, user_id: 'u3' },
    ]);
    expect([...d.keys()]).toEqual(['2026-11-27T10:00', '2026-11-27T10:01']);
    const first = d.get('2026-11-27T10:00');
    expect(Object.fromEntries(first?.counts ?? [])).toEqual({
      pageview: 2,
      click: 1,
      error: 1,
      _all: 4,
      _errors: 1,
    });
    expect(first?.users).toEqual(new Set(['u1', 'u2', 'u3']));
    // Only pageviews count as page views.
    expect(Object.fromEntries(first?.pages ?? [])).toEqual({ '/a': 2 });
    expect(Object.fromEntries(d.get('2026-11-27T10:01')?.counts ?? [])).toEqual({
      exception: 1,
      _all: 1,
      _errors: 1,
    });
  });
});

describe('end-to-end latency buckets', () => {
  it('files a latency under the first bound that holds it, and reads quantiles back as bounds', () => {
    expect(latencyField(0)).toBe('le_100');
    expect(latencyField(100)).toBe('le_100');
    expect(latencyField(101)).toBe('le_250');
    expect(latencyField(300_001)).toBe('le_inf');
    const minute1 = { n: '10', sum_ms: '3000', le_100: '4', le_250: '4', le_1000: '2' };
    const minute2 = { n: '10', sum_ms: '7000', le_250: '7', le_inf: '3' };
    const s = summariseLatency([minute1, minute2]);
    expect(s).toEqual({ count: 20, meanMs: 500, p50Ms: 250, p95Ms: null, p99Ms: null });
    expect(summariseLatency([])).toEqual({
      count: 0,
      meanMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    });
  });
});

describe('stage counters', () => {
  it('bucket wall-clock time by 10 seconds under the prefix, stage and metric', () => {
    expect(stageCountBucket(Date.parse('2026-11-27T10:00:09.999Z'))).toBe('2026-11-27T10:00:00');
    expect(stageCountBucket(Date.parse('2026-11-27T10:00:10.000Z'))).toBe('2026-11-27T10:00:10');
    expect(realtimeKeys.stageCount('p:', 'enrichment', 'dlq', '2026-11-27T10:00:10')).toBe(
      'p:rt:stage:enrichment:dlq:2026-11-27T10:00:10',
    );
  });

  it('read the last complete minute: not the current bucket, nor one writers may still add to', () => {
    // At 10:01:05 the 10:01:00 bucket is open; 10:00:50 is complete (ended 5 s ago).
    expect(stageRateBuckets(Date.parse('2026-11-27T10:01:05Z'))).toEqual([
      '2026-11-27T10:00:00',
      '2026-11-27T10:00:10',
      '2026-11-27T10:00:20',
      '2026-11-27T10:00:30',
      '2026-11-27T10:00:40',
      '2026-11-27T10:00:50',
    ]);
    // At 10:01:01 a writer may not have flushed its last second of 10:00:50 yet.
    expect(stageRateBuckets(Date.parse('2026-11-27T10:01:01Z')).at(-1)).toBe('2026-11-27T10:00:40');
  });

  it('read the complete buckets of a longer span for a chart, no further back than they are kept', () => {
    const hour = stageCountBuckets(Date.parse('2026-11-27T11:00:05Z'), 3_600_000);
    expect(hour).toHaveLength(360);
    expect([hour[0], hour.at(-1)]).toEqual(['2026-11-27T10:00:00', '2026-11-27T10:59:50']);
    expect(stageCountBuckets(Date.parse('2026-11-27T11:00:05Z'), 7_200_000)).toEqual(hour);
  });

  it('turn counts into records per second, null when nothing was counted at all', () => {
    expect(stageRatePerSecond(['600', null, '600', '0', '0', '0'])).toBe(20);
    expect(stageRatePerSecond(['0', '0', '0', '0', '0', '0'])).toBe(0);
    expect(stageRatePerSecond([null, null, null, null, null, null])).toBeNull();
  });

  it('accept metric names that are safe in a key', () => {
    expect(
      ['in', 'out', 'dlq', 'late', 'late_dropped'].every((m) => STAGE_METRIC_PATTERN.test(m)),
    ).toBe(true);
    expect(['', 'In', 'a:b', 'x y', 'a'.repeat(33)].some((m) => STAGE_METRIC_PATTERN.test(m))).toBe(
      false,
    );
  });
});
