import { describe, expect, it } from 'vitest';
import { gaugeSum, histogramBound } from './prometheus-histogram.ts';

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

describe('gauge sum', () => {
  it('adds the samples of every label set of that name only', () => {
    const gauges = `# TYPE sluice_aggregation_state_entries gauge
sluice_aggregation_state_entries{service="aggregation"} 103952
sluice_aggregation_state_entries_other 7
sluice_aggregation_state_entries{service="aggregation",x="b"} 48`;
    expect(gaugeSum(gauges, 'sluice_aggregation_state_entries')).toBe(104000);
  });

  it('is undefined when the gauge is absent', () => {
    expect(gaugeSum(text, 'sluice_aggregation_state_entries')).toBeUndefined();
  });
});
