import { HLL_STANDARD_ERROR, HyperLogLog, hashUserId } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { mergeSketches } from './unique-users.ts';

const sketchOf = (users: string[]) => {
  const h = new HyperLogLog();
  for (const u of users) h.add(u);
  return h.toBytes();
};
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `user-${from + i}`);

/** A version-1 sketch (2,048 registers, as stored before the sparse mode) of these users. */
function oldSketchOf(users: string[]): Uint8Array {
  const r = new Uint8Array(2048);
  for (const u of users) {
    const h = hashUserId(u);
    r[h >>> 21] = Math.max(r[h >>> 21] as number, Math.min(Math.clz32((h << 11) >>> 0), 21) + 1);
  }
  return r;
}

describe('mergeSketches', () => {
  it('counts the union of small partitions exactly, shared users once', () => {
    // 0..30 and 20..46 overlap by 10: the window saw 46 users.
    expect(mergeSketches([sketchOf(range(0, 30)), sketchOf(range(20, 46))])).toEqual({
      estimate: 46,
      mode: 'exact',
      standardError: 0,
      sketches: 2,
    });
  });

  it('estimates the union of large partitions within its standard error, and says so', () => {
    // 0..3000 and 2000..5000 overlap by 1000: the union holds 5000 users.
    const merged = mergeSketches([sketchOf(range(0, 3000)), sketchOf(range(2000, 5000))]);
    expect(merged).toMatchObject({ mode: 'estimate', standardError: HLL_STANDARD_ERROR });
    expect(Math.abs((merged.estimate ?? 0) - 5000)).toBeLessThan(3 * HLL_STANDARD_ERROR * 5000);
  });

  it('reads sketches stored before the sparse mode, merging at their precision', () => {
    const merged = mergeSketches([oldSketchOf(range(0, 3000)), sketchOf(range(2000, 5000))]);
    expect(merged.mode).toBe('estimate');
    expect(merged.standardError).toBeCloseTo(0.023, 3);
    expect(Math.abs((merged.estimate ?? 0) - 5000)).toBeLessThan(3 * 0.023 * 5000);
  });

  it('does not change the sketches it reads', () => {
    const a = sketchOf(range(0, 100));
    const before = Uint8Array.from(a);
    mergeSketches([a, sketchOf(range(100, 200))]);
    expect(a).toEqual(before);
  });

  it('refuses a sketch it cannot read instead of estimating from part of the data', () => {
    expect(mergeSketches([sketchOf(range(0, 10)), new Uint8Array([0])]).estimate).toBeNull();
    expect(mergeSketches([]).estimate).toBeNull();
  });
});
