import { describe, expect, it } from 'vitest';
import { timeToDrain } from './time-to-drain.ts';

const p = (t: number, lag: number | null) => ({ t, offsetLag: lag, timeLagS: null });

describe('timeToDrain', () => {
  it('projects the recent rate of decline', () => {
    // 1000 -> 600 in 40 s: 10/s, 600 left: 60 s.
    expect(timeToDrain([p(0, 1000), p(40_000, 600)], 300_000)).toEqual({
      state: 'draining',
      seconds: 60,
    });
  });

  it('says so when lag grows or is zero', () => {
    expect(timeToDrain([p(0, 10), p(10_000, 20)], 300_000).state).toBe('not-draining');
    expect(timeToDrain([p(0, 10), p(10_000, 0)], 300_000).state).toBe('caught-up');
  });

  it('is unknown with one known point', () => {
    expect(timeToDrain([p(0, null), p(10_000, 5)], 300_000).state).toBe('unknown');
  });
});
