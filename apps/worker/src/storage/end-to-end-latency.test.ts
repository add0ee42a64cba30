import { describe, expect, it } from 'vitest';
import { createEndToEndLatency } from './end-to-end-latency.ts';

function latency() {
  const reported: number[][] = [];
  const l = createEndToEndLatency((times) => reported.push([...times]));
  return { l, reported };
}

describe('createEndToEndLatency', () => {
  it('reports a segment once it is durable in every sink but the archive', () => {
    const { l, reported } = latency();
    l.track(1, [10, 20], ['timescaledb', 'redis', 's3']);
    l.durable(1, 's3');
    l.durable(1, 'redis');
    expect(reported).toEqual([]);
    l.durable(1, 'timescaledb');
    expect(reported).toEqual([[10, 20]]);
    // A second durable() for it (a retried write) counts nothing twice.
    l.durable(1, 'timescaledb');
    expect(reported).toEqual([[10, 20]]);
    expect(l.size()).toBe(0);
  });

  it('waits for the archive when it is the only sink, and reports a segment routed nowhere at once', () => {
    const { l, reported } = latency();
    l.track(1, [5], ['s3']);
    expect(reported).toEqual([]);
    l.durable(1, 's3');
    l.track(2, [6], []);
    expect(reported).toEqual([[5], [6]]);
  });

  it('forgets segments of partitions given up', () => {
    const { l, reported } = latency();
    l.track(1, [1], ['redis']);
    l.track(2, [2], ['redis']);
    l.forget([1]);
    l.durable(1, 'redis');
    l.durable(2, 'redis');
    expect(reported).toEqual([[2]]);
  });
});
