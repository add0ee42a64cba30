import type { LagSample } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { groupTimeToDrain } from './group-drain.ts';

/** Polls every 10 s from (committed, end) pairs. */
const polls = (pairs: [number, number][]): LagSample[] =>
  pairs.map(([c, e], i) => ({
    atMs: i * 10_000,
    committedOffset: c,
    endOffset: e,
    offsetLag: e - c,
  }));
const ten = (f: (i: number) => [number, number]) =>
  polls(Array.from({ length: 10 }, (_, i) => f(i)));

describe('groupTimeToDrain', () => {
  it('is caught up when every partition is, keeping up with a small lag on a steady group', () => {
    expect(groupTimeToDrain([ten((i) => [i * 100, i * 100])]).kind).toBe('caught-up');
    // 200/s, lags swinging between 40 and 180: keeping up whichever poll the window ends on.
    const steady = (p: number) =>
      ten((i) => [(i + 1) * 2000 - ((i + p) % 2 ? 40 : 180), (i + 1) * 2000]);
    for (let n = 2; n <= 10; n++) {
      const d = groupTimeToDrain([steady(0).slice(0, n), steady(1).slice(0, n)]);
      expect(d.kind).toBe('keeping-up');
    }
  });

  it('is the slowest partition: a stuck one is not hidden by a busy one', () => {
    const busy = ten((i) => [(i + 1) * 2000 - 40, (i + 1) * 2000]);
    const stuck = ten((i) => [300, 300 + 50 * i]);
    expect(groupTimeToDrain([busy, stuck])).toMatchObject({ kind: 'not-draining', why: 'stopped' });
  });

  it('projects the longest drain among partitions working off a backlog', () => {
    // Both consume 3000/s against 1000/s produced; 100,000 and 40,000 behind.
    const a = polls([
      [0, 118_000],
      [30_000, 128_000],
    ]);
    const b = polls([
      [0, 58_000],
      [30_000, 68_000],
    ]);
    expect(groupTimeToDrain([a, b])).toEqual({
      kind: 'draining',
      seconds: 49,
      consumePerS: 6000,
      producePerS: 2000,
    });
  });

  it('is unknown without polls', () => {
    expect(groupTimeToDrain([])).toEqual({ kind: 'unknown', reason: 'not-enough-samples' });
    expect(groupTimeToDrain([[]]).kind).toBe('unknown');
  });
});
