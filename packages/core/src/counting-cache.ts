// A bounded LRU cache that counts hits and misses, placed in front of every enrichment lookup
// (Geo-IP, user agent). The counters are plain numbers so the worker can export them as metrics
// without core knowing about Prometheus.
import { LRUCache } from 'lru-cache';

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  readonly max: number;
}

export interface CountingCache<V extends {}> {
  /** Returns the cached value for `key`, or computes, stores and returns it. */
  getOrCompute(key: string, compute: (key: string) => V): V;
  stats(): CacheStats;
  clear(): void;
}

export function createCountingCache<V extends {}>(max: number): CountingCache<V> {
  // lru-cache throws on a non-positive max; fail with our own message so a bad config value is
  // easy to trace to its key.
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`cache max must be a positive integer, got ${max}`);
  }
  const lru = new LRUCache<string, V>({ max });
  let hits = 0;
  let misses = 0;
  return {
    getOrCompute(key, compute) {
      const cached = lru.get(key);
      if (cached !== undefined) {
        hits++;
        return cached;
      }
      misses++;
      // If compute throws (a transient lookup fault), nothing is stored: the retry must look up
      // again rather than see a cached failure.
      const value = compute(key);
      lru.set(key, value);
      return value;
    },
    stats() {
      return { hits, misses, size: lru.size, max };
    },
    clear() {
      lru.clear();
    },
  };
}
