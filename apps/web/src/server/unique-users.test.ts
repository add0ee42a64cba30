import { HLL_STANDARD_ERROR, HyperLogLog } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { mergeSketches } from './unique-users.ts';

const sketchOf = (users: string[]) => {
  const h = new HyperLogLog();
  for (const u of users) h.add(u);
  return h.registers;
};
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `user-${from + i}`);

describe('mergeSketches', () => {
  it('estimates the union of overlapping partitions, counting shared users once', () => {
    // 0..3000 and 2000..5000 overlap by 1000: the union holds 5000 users.
    const merged = mergeSketches([sketchOf(range(0, 3000)), sketchOf(range(2000, 5000))]);
    expect(merged.sketches).toBe(2);
    expect(Math.abs((merged.estimate ?? 0) - 5000)).toBeLessThan(3 * HLL_STANDARD_ERROR * 5000);
  });

  it('does not change the sketches it reads', () => {
    const a = sketchOf(range(0, 100));
    const before = Uint8Array.from(a);
    mergeSketches([a, sketchOf(range(100, 200))]);
    expect(a).toEqual(before);
  });

  it('refuses a sketch of the wrong size instead of estimating from part of the data', () => {
    expect(mergeSketches([sketchOf(range(0, 10)), new Uint8Array([0])]).estimate).toBeNull();
    expect(mergeSketches([]).estimate).toBeNull();
  });
});
