import { describe, expect, it } from 'vitest';
import { type LagSample, partitionStatus, worstStatus } from './partition-status.ts';

/** Samples every 10 s from (committed, end) pairs. */
function window(pairs: [number, number][]): LagSample[] {
  return pairs.map(([c, e], i) => ({
    atMs: i * 10_000,
    committedOffset: c,
    endOffset: e,
    offsetLag: e - c,
  }));
}
const ten = (f: (i: number) => [number, number]) =>
  window(Array.from({ length: 10 }, (_, i) => f(i)));

describe('partitionStatus', () => {
  it('OK for a consumer that keeps pace with a steady small lag', () => {
    const w = ten((i) => [i * 100, i * 100 + 20]);
    expect(partitionStatus({ window: w, members: 1, timeLagS: 1 }).status).toBe('OK');
  });

  it('OK when the latest lag is 0, whatever came before', () => {
    const w = ten((i) => [i < 9 ? 0 : 500, 500]);
    expect(partitionStatus({ window: w, members: 0, timeLagS: 0 }).status).toBe('OK');
  });

  it('WARN when lag grows in every interval while commits move', () => {
    const w = ten((i) => [i * 100, i * 150]);
    expect(partitionStatus({ window: w, members: 2, timeLagS: 5 })).toEqual({
      status: 'WARN',
      reason: 'lag growing across the window while commits move',
    });
  });

  it('not WARN when the lag fell once in the window', () => {
    const w = ten((i) => [i * 100 + (i === 5 ? 60 : 0), i * 150]);
    expect(partitionStatus({ window: w, members: 2, timeLagS: 5 }).status).toBe('OK');
  });

  it('no verdict on a trend before the window is full', () => {
    const w = window([
      [0, 10],
      [10, 40],
      [20, 90],
    ]);
    expect(partitionStatus({ window: w, members: 1, timeLagS: 1 }).status).toBe('OK');
  });

  it('STALL when a consumer is present but the committed offset does not move', () => {
    const w = ten((i) => [300, 300 + i * 10 + 1]);
    expect(partitionStatus({ window: w, members: 3, timeLagS: 50 }).status).toBe('STALL');
  });

  it('STOP when there is lag and nobody in the group, at once', () => {
    const w = window([
      [300, 300],
      [300, 310],
    ]);
    expect(partitionStatus({ window: w, members: 0, timeLagS: null }).status).toBe('STOP');
  });

  it('REWIND when the committed offset went backwards, before anything else', () => {
    const w = ten((i) => [i === 6 ? 100 : i * 100, i * 100 + 5]);
    expect(partitionStatus({ window: w, members: 0, timeLagS: 1 }).status).toBe('REWIND');
  });

  it('WARN above the offset-lag or time-lag threshold', () => {
    const w = ten((i) => [i * 100, i * 100 + 2000]);
    expect(
      partitionStatus({ window: w, members: 1, timeLagS: 3, thresholds: { maxOffsetLag: 1000 } })
        .status,
    ).toBe('WARN');
    expect(
      partitionStatus({ window: w, members: 1, timeLagS: 30, thresholds: { maxTimeLagS: 10 } })
        .status,
    ).toBe('WARN');
    expect(
      partitionStatus({ window: w, members: 1, timeLagS: 3, thresholds: { maxTimeLagS: 10 } })
        .status,
    ).toBe('OK');
  });
});

describe('worstStatus', () => {
  it('is the most severe partition status, OK for none', () => {
    expect(worstStatus([])).toBe('OK');
    expect(worstStatus(['OK', 'WARN', 'OK'])).toBe('WARN');
    expect(worstStatus(['WARN', 'REWIND'])).toBe('REWIND');
    expect(worstStatus(['STALL', 'STOP', 'REWIND'])).toBe('STOP');
  });
});
