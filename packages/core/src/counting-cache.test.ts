import { describe, expect, it } from 'vitest';
import { createCountingCache } from './counting-cache.ts';

describe('createCountingCache', () => {
  it('computes once per key and counts hits and misses', () => {
    const cache = createCountingCache<{ v: string }>(10);
    let computed = 0;
    const compute = (k: string) => {
      computed++;
      return { v: k.toUpperCase() };
    };
    expect(cache.getOrCompute('a', compute)).toEqual({ v: 'A' });
    expect(cache.getOrCompute('a', compute)).toEqual({ v: 'A' });
    expect(cache.getOrCompute('b', compute)).toEqual({ v: 'B' });
    expect(computed).toBe(2);
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, size: 2, max: 10 });
  });

  it('never holds more than max entries and evicts the least recently used', () => {
    const cache = createCountingCache<number[]>(3);
    for (let i = 0; i < 100; i++) {
      cache.getOrCompute(String(i), () => [i]);
      expect(cache.stats().size).toBeLessThanOrEqual(3);
    }
    cache.getOrCompute('97', () => [-1]); // touch 97 so 98 becomes the oldest
    cache.getOrCompute('new', () => [0]);
    expect(cache.getOrCompute('97', () => [-1])).toEqual([97]);
    expect(cache.getOrCompute('98', () => [-1])).toEqual([-1]);
    expect(cache.stats().size).toBe(3);
  });

  it('does not cache a compute that throws', () => {
    const cache = createCountingCache<string>(5);
    expect(() =>
      cache.getOrCompute('k', () => {
        throw new Error('transient');
      }),
    ).toThrow('transient');
    expect(cache.getOrCompute('k', () => 'ok')).toBe('ok');
    expect(cache.stats()).toMatchObject({ misses: 2, size: 1 });
  });

  it('rejects a non-positive max', () => {
    expect(() => createCountingCache(0)).toThrow(RangeError);
  });

  it('clear empties the cache', () => {
    const cache = createCountingCache<string>(5);
    cache.getOrCompute('k', () => 'v');
    cache.clear();
    expect(cache.stats().size).toBe(0);
  });
});
