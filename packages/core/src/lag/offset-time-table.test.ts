import { describe, expect, it } from 'vitest';
import { recordEndOffset, timeLagAt, timeLagValue } from './offset-time-table.ts';

/** A producer writing `perS` records a second from offset 0 at t=0, polled every `everyMs`. */
function steadyTable(perS: number, everyMs: number, polls: number, capacity = 60) {
  let table: ReturnType<typeof recordEndOffset> = [];
  for (let i = 0; i < polls; i++) {
    const atMs = i * everyMs;
    table = recordEndOffset(table, Math.floor((atMs / 1000) * perS), atMs, capacity);
  }
  return table;
}

describe('recordEndOffset', () => {
  it('keeps at most the capacity, dropping the oldest', () => {
    const table = steadyTable(10, 1000, 100, 60);
    expect(table).toHaveLength(60);
    expect(table[0]).toEqual({ offset: 400, atMs: 40_000 });
    expect(table[59]).toEqual({ offset: 990, atMs: 99_000 });
  });

  it('collapses a flat run to its first and latest points', () => {
    let t = recordEndOffset([], 10, 0);
    for (let i = 1; i <= 5; i++) t = recordEndOffset(t, 20, i * 1000);
    expect(t).toEqual([
      { offset: 10, atMs: 0 },
      { offset: 20, atMs: 1000 },
      { offset: 20, atMs: 5000 },
    ]);
  });

  it('restarts when the end offset goes backwards (topic recreated)', () => {
    const t = recordEndOffset(recordEndOffset([], 500, 0), 3, 1000);
    expect(t).toEqual([{ offset: 3, atMs: 1000 }]);
  });

  it('ignores a point not later than the newest', () => {
    const t = recordEndOffset([], 5, 1000);
    expect(recordEndOffset(t, 9, 1000)).toBe(t);
  });
});

describe('timeLagAt', () => {
  it('is exactly 0 when the consumer is caught up', () => {
    expect(timeLagAt([], 42, 42, 1000)).toEqual({ kind: 'exact', seconds: 0 });
  });

  it('is unknown with fewer than two points', () => {
    const t = recordEndOffset([], 100, 0);
    expect(timeLagAt(t, 50, 100, 0)).toEqual({ kind: 'unknown', reason: 'not-enough-points' });
  });

  it('interpolates between the surrounding points', () => {
    // 10 records/s polled every second for a minute: offset 250 was the end at t = 25 s.
    const t = steadyTable(10, 1000, 60);
    expect(timeLagAt(t, 250, 590, 59_000)).toEqual({ kind: 'interpolated', seconds: 34 });
    // Between two polls: offset 255 at 25.5 s.
    const mid = timeLagAt(t, 255, 590, 59_000);
    expect(mid.kind).toBe('interpolated');
    expect(mid.kind !== 'unknown' && mid.seconds).toBeCloseTo(33.5, 6);
  });

  it('takes the end of a flat run as the lower bound, not its start', () => {
    // End stays at 100 from 0 s to 10 s, then 10 records/s: offset 100 was written just after 10 s.
    let t = recordEndOffset([], 100, 0);
    t = recordEndOffset(t, 100, 10_000);
    t = recordEndOffset(t, 200, 20_000);
    expect(timeLagAt(t, 100, 200, 20_000)).toEqual({ kind: 'interpolated', seconds: 10 });
  });

  it('extrapolates from the slope when the committed offset is older than the table', () => {
    // Table covers offsets 400..990 (40 s..99 s) at 10/s: offset 100 was written at 10 s.
    const t = steadyTable(10, 1000, 100, 60);
    const lag = timeLagAt(t, 100, 990, 99_000);
    expect(lag.kind).toBe('extrapolated');
    expect(lag.kind !== 'unknown' && lag.seconds).toBeCloseTo(89, 6);
    expect(timeLagValue(lag)).toEqual({ seconds: expect.closeTo(89, 6), estimated: true });
  });

  it('is unknown when older than the table and nothing was produced across it', () => {
    let t = recordEndOffset([], 100, 0);
    t = recordEndOffset(t, 100, 60_000);
    expect(timeLagAt(t, 50, 100, 60_000)).toEqual({
      kind: 'unknown',
      reason: 'no-production-in-table',
    });
    expect(timeLagValue(timeLagAt(t, 50, 100, 60_000))).toEqual({
      seconds: null,
      estimated: false,
    });
  });
});
