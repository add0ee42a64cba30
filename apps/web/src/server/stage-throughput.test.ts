import { describe, expect, it } from 'vitest';
import { pivot, ratesFromTotals } from './stage-throughput.ts';

const p = (t: number, total: number, partitions = 12) => ({ t, total, partitions });

describe('ratesFromTotals', () => {
  it('divides the growth of the summed end offsets by the time between polls', () => {
    expect(ratesFromTotals([p(0, 1000), p(10_000, 3000), p(20_000, 3500)], 60_000)).toEqual([
      { t: 10_000, perSecond: 200 },
      { t: 20_000, perSecond: 50 },
    ]);
  });

  it('turns a hole in the samples into a gap, not a zero or an average across it', () => {
    const r = ratesFromTotals(
      [p(0, 0), p(10_000, 100), p(600_000, 9000), p(610_000, 9100)],
      30_000,
    );
    expect(r).toEqual([
      { t: 10_000, perSecond: 10 },
      { t: 305_000, perSecond: null },
      { t: 610_000, perSecond: 10 },
    ]);
  });

  it('gives no rate across a recreated topic or a changed partition set', () => {
    const r = ratesFromTotals([p(0, 5000), p(10_000, 10), p(20_000, 20, 6)], 30_000);
    expect(r.map((x) => x.perSecond)).toEqual([null, null]);
  });
});

describe('pivot', () => {
  it('joins series on time and leaves a missing value missing', () => {
    expect(
      pivot({
        a: [
          { t: 2, value: 5 },
          { t: 1, value: 4 },
        ],
        b: [{ t: 2, value: null }],
      }),
    ).toEqual([
      { t: 1, a: 4 },
      { t: 2, a: 5, b: null },
    ]);
  });
});
