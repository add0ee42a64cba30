import { describe, expect, it } from 'vitest';
import { createThroughputSampler } from './throughput-sampler.ts';

describe('throughput sampler', () => {
  it('reports nothing on the first observation, then the rate between two', () => {
    const s = createThroughputSampler();
    expect(s.observe('events.raw', 1000, 0)).toBeNull();
    expect(s.observe('events.raw', 1500, 5000)).toBe(100);
  });

  it('keeps the previous rate when polled again within a second', () => {
    const s = createThroughputSampler();
    s.observe('t', 0, 0);
    expect(s.observe('t', 200, 2000)).toBe(100);
    expect(s.observe('t', 900, 2500)).toBe(100);
  });

  it('gives no rate across a stale gap or a recreated topic', () => {
    const s = createThroughputSampler();
    s.observe('t', 100, 0);
    expect(s.observe('t', 200, 10 * 60_000)).toBeNull();
    expect(s.observe('t', 50, 10 * 60_000 + 5000)).toBeNull();
  });
});
