import { describe, expect, it } from 'vitest';
import { percentile, summariseLatencies } from './percentiles.ts';

describe('percentile (nearest rank)', () => {
  it('takes a sample itself, the one at rank ceil(p/100 * n)', () => {
    const ms = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(ms, 50)).toBe(50);
    expect(percentile(ms, 99)).toBe(99);
    expect(percentile(ms, 100)).toBe(100);
    expect(percentile([7, 3, 5], 50)).toBe(5);
    // 99th of 10 samples is the largest: nine of ten are not enough.
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], 99)).toBe(1000);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], 90)).toBe(9);
  });

  it('has none for no samples and refuses p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('does not reorder the caller array', () => {
    const ms = [3, 1, 2];
    percentile(ms, 50);
    expect(ms).toEqual([3, 1, 2]);
  });

  it('summarises in whole milliseconds, null when nothing was sampled', () => {
    expect(summariseLatencies([10.4, 20.6, 30.5])).toEqual({
      samples: 3,
      p50_ms: 21,
      p99_ms: 31,
      max_ms: 31,
    });
    expect(summariseLatencies([])).toEqual({
      samples: 0,
      p50_ms: null,
      p99_ms: null,
      max_ms: null,
    });
  });
});
