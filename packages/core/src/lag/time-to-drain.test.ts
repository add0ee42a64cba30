import { describe, expect, it } from 'vitest';
import { drainSeconds, type RatePoint, timeToDrain } from './time-to-drain.ts';

const at = (s: number, committedOffset: number, endOffset: number) => ({
  atMs: s * 1000,
  committedOffset,
  endOffset,
});

/**
 * A healthy group as the lag monitor sees it: 200 records/s produced, a consumer that commits
 * everything produced so far once per transaction (every 0.7 to 1.3 s), polled every 10 s.
 * The lag at a poll is whatever arrived since the last commit: 0 to about 260 records.
 */
function healthyGroup(polls: number): RatePoint[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const commits: number[] = [];
  for (let t = 0; t < polls * 10; t += 0.7 + 0.6 * random()) commits.push(t);
  return Array.from({ length: polls }, (_, i) => {
    const t = i * 10 + 5;
    const lastCommit = commits.filter((c) => c <= t).at(-1) ?? 0;
    return {
      atMs: t * 1000,
      committedOffset: Math.floor(lastCommit * 200),
      endOffset: Math.floor(t * 200),
    };
  });
}

/** The formula before: lag / (consume − produce) between the oldest and newest point. */
function naiveDrain(points: readonly RatePoint[], lag: number): number {
  const first = points[0] as RatePoint;
  const last = points[points.length - 1] as RatePoint;
  const s = (last.atMs - first.atMs) / 1000;
  const net = (last.committedOffset - first.committedOffset - last.endOffset + first.endOffset) / s;
  return net <= 0 ? Number.POSITIVE_INFINITY : lag / net;
}

describe('timeToDrain', () => {
  it('is caught up when there is no lag', () => {
    expect(timeToDrain([], 0)).toEqual({ kind: 'caught-up', seconds: 0 });
    expect(drainSeconds(timeToDrain([], 0))).toBe(0);
  });

  it('does not flip on a healthy group, where the two-point formula did', () => {
    const points = healthyGroup(60);
    const naive: number[] = [];
    const kinds = new Set<string>();
    const estimates: number[] = [];
    for (let end = 10; end <= points.length; end++) {
      const window = points.slice(end - 10, end);
      const last = window[window.length - 1] as RatePoint;
      const lag = last.endOffset - last.committedOffset;
      if (lag === 0) continue;
      naive.push(naiveDrain(window, lag));
      const d = timeToDrain(window, lag);
      kinds.add(d.kind);
      estimates.push(drainSeconds(d) ?? Number.NaN);
    }
    // The premise: the same polls made the old estimate jump between "not draining" and minutes.
    expect(naive.some((s) => s === Number.POSITIVE_INFINITY)).toBe(true);
    expect(naive.some((s) => Number.isFinite(s) && s > 60)).toBe(true);
    // Now every window says the same thing: keeping up, with about a second of work queued.
    expect(kinds).toEqual(new Set(['keeping-up']));
    expect(Math.max(...estimates)).toBeLessThan(2);
    expect(estimates.length).toBeGreaterThan(40);
  });

  it('is keeping up for a steady consumer whatever the sign of the tiny net rate', () => {
    // Lag 12 then 10: the old formula said 7.5 min; lag 10 then 12: not draining.
    const falling = timeToDrain([at(0, 988, 1000), at(90, 18_990, 19_000)], 10);
    const rising = timeToDrain([at(0, 990, 1000), at(90, 18_988, 19_000)], 12);
    expect(falling.kind).toBe('keeping-up');
    expect(rising.kind).toBe('keeping-up');
    expect(drainSeconds(falling)).toBeCloseTo(10 / 200, 3);
  });

  it('is lag / (consume − produce) for a backlog that is being worked off', () => {
    // Consuming 3000/s, producing 2000/s over 10 s; a lag of 100,000 drains at 1000/s in 100 s.
    const d = timeToDrain([at(0, 0, 80_000), at(10, 30_000, 100_000)], 100_000);
    expect(d).toEqual({ kind: 'draining', seconds: 100, consumePerS: 3000, producePerS: 2000 });
  });

  it('is not draining when nothing is consumed, when falling behind, or for a steady backlog', () => {
    const stopped = timeToDrain([at(0, 500, 1000), at(10, 500, 2000)], 1500);
    expect(stopped).toMatchObject({ kind: 'not-draining', why: 'stopped' });
    expect(drainSeconds(stopped)).toBe(Number.POSITIVE_INFINITY);
    const behind = timeToDrain([at(0, 0, 10_000), at(10, 1000, 13_000)], 12_000);
    expect(behind).toMatchObject({ kind: 'not-draining', why: 'falling-behind' });
    // 100/s consumed against 99/s produced: a 1% difference is noise, not a 2.8 h estimate.
    const steady = timeToDrain([at(0, 0, 10_000), at(100, 10_000, 19_900)], 9900);
    expect(steady).toMatchObject({ kind: 'not-draining', why: 'steady' });
  });

  it('is unknown from a single sample or across offsets that went back', () => {
    expect(drainSeconds(timeToDrain([at(0, 0, 100)], 100))).toBeNull();
    expect(timeToDrain([at(0, 900, 1000), at(10, 100, 1100)], 1000)).toEqual({
      kind: 'unknown',
      reason: 'offsets-went-back',
    });
  });
});
