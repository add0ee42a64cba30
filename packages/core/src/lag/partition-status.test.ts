import { describe, expect, it } from 'vitest';
import {
  isLagStatus,
  type LagSample,
  partitionStatus,
  statusReason,
  worstStatus,
} from './partition-status.ts';

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
      reason: 'lag growing across the window while commits move (0 to 450)',
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

describe('statusReason', () => {
  it('gives each non-OK status its reason, with the evidence from the window', () => {
    const rewind = ten((i) => [i === 6 ? 100 : i * 100, i * 100 + 5]);
    expect(partitionStatus({ window: rewind, members: 1, timeLagS: 1 }).reason).toBe(
      'committed offset went backwards (500 to 100)',
    );
    const stall = ten((i) => [300, 300 + i * 10 + 1]);
    expect(partitionStatus({ window: stall, members: 3, timeLagS: 50 }).reason).toBe(
      'consumer present but committed offset not moving (at 300 for 90 s)',
    );
    const stop = window([[300, 310]]);
    expect(partitionStatus({ window: stop, members: 0, timeLagS: null }).reason).toBe(
      'lag and no consumer in the group',
    );
    const steady = ten((i) => [i * 100, i * 100 + 2000]);
    expect(
      partitionStatus({
        window: steady,
        members: 1,
        timeLagS: 3,
        thresholds: { maxOffsetLag: 1000 },
      }).reason,
    ).toBe('offset lag 2000 above 1000');
    expect(
      partitionStatus({ window: steady, members: 1, timeLagS: 30, thresholds: { maxTimeLagS: 10 } })
        .reason,
    ).toBe('time lag 30 s above 10 s');
  });

  it('is the reason partitionStatus gives, for every status', () => {
    const cases = [
      { window: ten((i) => [i === 6 ? 100 : i * 100, i * 100 + 5]), members: 1, timeLagS: 1 },
      { window: ten((i) => [300, 300 + i * 10 + 1]), members: 3, timeLagS: 50 },
      { window: window([[300, 310]]), members: 0, timeLagS: null },
      { window: ten((i) => [i * 100, i * 150]), members: 2, timeLagS: 5 },
      { window: ten((i) => [i * 100, i * 100 + 20]), members: 1, timeLagS: 1 },
      { window: ten((i) => [i * 100, i * 100]), members: 1, timeLagS: 0 },
      { window: [], members: 1, timeLagS: null },
    ];
    const statuses = new Set<string>();
    for (const input of cases) {
      const r = partitionStatus(input);
      statuses.add(r.status);
      expect(statusReason(r.status, input)).toBe(r.reason);
    }
    expect([...statuses].sort()).toEqual(['OK', 'REWIND', 'STALL', 'STOP', 'WARN']);
  });

  it('says a WARN is a threshold when the reader does not know the thresholds', () => {
    // The console re-reads the window but may not be configured with the monitor's thresholds.
    const w = ten((i) => [i * 100, i * 100 + 2000]);
    expect(statusReason('WARN', { window: w, timeLagS: 3 })).toBe(
      'lag above a configured threshold',
    );
  });

  it('is plain when the window no longer holds the evidence', () => {
    expect(statusReason('REWIND', { window: [], timeLagS: null })).toBe(
      'committed offset went backwards',
    );
    expect(statusReason('STALL', { window: window([[5, 9]]), timeLagS: null })).toBe(
      'consumer present but committed offset not moving',
    );
  });
});

describe('isLagStatus', () => {
  it('accepts the five statuses only', () => {
    expect(['OK', 'WARN', 'REWIND', 'STALL', 'STOP', 'UNKNOWN', 'ok'].map(isLagStatus)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
