import { describe, expect, it } from 'vitest';
import { drainSeconds, timeToDrain } from './time-to-drain.ts';

const at = (s: number, committedOffset: number, endOffset: number) => ({
  atMs: s * 1000,
  committedOffset,
  endOffset,
});

describe('timeToDrain', () => {
  it('is 0 when there is no lag', () => {
    expect(drainSeconds(timeToDrain([], 0))).toBe(0);
  });

  it('is lag / (consume rate − produce rate) while draining', () => {
    // Consuming 300/s, producing 200/s over 10 s; a lag of 1000 drains at 100/s in 10 s.
    const d = timeToDrain([at(0, 0, 2000), at(10, 3000, 4000)], 1000);
    expect(d).toEqual({ kind: 'draining', seconds: 10, consumePerS: 300, producePerS: 200 });
  });

  it('is Infinity when consumers are not faster than producers', () => {
    const d = timeToDrain([at(0, 0, 100), at(10, 1000, 1100)], 100);
    expect(d.kind).toBe('not-draining');
    expect(drainSeconds(d)).toBe(Number.POSITIVE_INFINITY);
  });

  it('is unknown from a single sample', () => {
    expect(drainSeconds(timeToDrain([at(0, 0, 100)], 100))).toBeNull();
  });
});
