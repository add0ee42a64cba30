import { describe, expect, it } from 'vitest';
import { histogramBound } from './prometheus-histogram.ts';

const text = `# HELP sluice_end_to_end_latency_seconds x
# TYPE sluice_end_to_end_latency_seconds histogram
sluice_end_to_end_latency_seconds_bucket{le="0.1"} 10
sluice_end_to_end_latency_seconds_bucket{le="0.25"} 60
sluice_end_to_end_latency_seconds_bucket{le="0.5"} 99
sluice_end_to_end_latency_seconds_bucket{le="1"} 100
sluice_end_to_end_latency_seconds_bucket{le="+Inf"} 100
sluice_end_to_end_latency_seconds_sum 21.5
sluice_end_to_end_latency_seconds_count 100
other_bucket{le="0.1"} 1`;

describe('histogram bound', () => {
  it('names the smallest bucket holding the share', () => {
    expect(histogramBound(text, 'sluice_end_to_end_latency_seconds', 0.5)).toEqual({
      count: 100,
      le: 0.25,
    });
    expect(histogramBound(text, 'sluice_end_to_end_latency_seconds', 0.99).le).toBe(0.5);
    expect(histogramBound(text, 'sluice_end_to_end_latency_seconds', 1).le).toBe(1);
  });

  it('has no bound without observations', () => {
    expect(histogramBound('', 'sluice_end_to_end_latency_seconds', 0.99)).toEqual({
      count: 0,
      le: undefined,
    });
  });
});
