import { describe, expect, it } from 'vitest';
import { gapThreshold, withGaps } from './lag-trend.ts';

const p = (t: number, lag: number | null) => ({ t, offsetLag: lag, timeLagS: null });

describe('lag trend', () => {
  it('inserts a null point where samples are missing', () => {
    const pts = [p(0, 5), p(10, 6), p(20, 7), p(100, 3)];
    const out = withGaps(pts, gapThreshold(pts, 1));
    expect(out.map((x) => x.offsetLag)).toEqual([5, 6, 7, null, 3]);
  });

  it('leaves regular samples and unknown values as they are', () => {
    const pts = [p(0, 5), p(10, null), p(20, 7)];
    expect(withGaps(pts, gapThreshold(pts, 1))).toEqual(pts);
  });
});
