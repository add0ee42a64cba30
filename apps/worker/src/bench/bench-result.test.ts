import { describe, expect, it } from 'vitest';
import { benchResult, formatResults, isFailure } from './bench-result.ts';

describe('bench result rows', () => {
  const row = benchResult(
    {
      stage: 'pipeline',
      events: 200_000,
      seconds: 8,
      cpuMs: { enrichment: 4000, aggregation: 2000, storage: 3000 },
      peakRssMb: { enrichment: 180.26, aggregation: 250.04, storage: 199 },
      brokerCpuMs: 5000,
      measuredBy: 'committed offsets',
    },
    [1.5, 1.2, 0.9],
  );

  it('has the fields --json promises, per second and per 1,000 events', () => {
    expect(row).toEqual({
      stage: 'pipeline',
      events_per_sec: 25_000,
      cpu_ms_per_1k_events: 45, // 9,000 ms over 200,000 events
      peak_rss_mb: 250,
      events: 200_000,
      seconds: 8,
      measured_by: 'committed offsets',
      broker_cpu_ms_per_1k_events: 25,
      processes: [
        { role: 'enrichment', cpu_ms_per_1k_events: 20, peak_rss_mb: 180.3 },
        { role: 'aggregation', cpu_ms_per_1k_events: 10, peak_rss_mb: 250 },
        { role: 'storage', cpu_ms_per_1k_events: 15, peak_rss_mb: 199 },
      ],
      load_avg: [1.5, 1.2, 0.9],
    });
    // What --json prints parses back to the same.
    expect(JSON.parse(JSON.stringify([row]))).toEqual([row]);
  });

  it("gives each process's resident set at the window's end where it was read", () => {
    const r = benchResult(
      {
        stage: 'aggregation',
        events: 1000,
        seconds: 1,
        cpuMs: { aggregation: 10 },
        peakRssMb: { aggregation: 520.44 },
        endRssMb: { aggregation: 301.06 },
        measuredBy: 'committed offsets',
      },
      [0, 0, 0],
    );
    expect(r.processes).toEqual([
      { role: 'aggregation', cpu_ms_per_1k_events: 10, peak_rss_mb: 520.4, end_rss_mb: 301.1 },
    ]);
  });

  it('says null for the broker when it is not on this machine, and adds latency fields', () => {
    const r = benchResult(
      {
        stage: 'latency',
        events: 25_000,
        seconds: 5,
        cpuMs: { storage: 100 },
        peakRssMb: { storage: 100 },
        measuredBy: 'sampled event ids polled in the stores',
        latency: {
          rate: 5000,
          overall: { samples: 400, p50_ms: 120, p99_ms: 480, max_ms: 700 },
          stores: { timescaledb: { samples: 400, p50_ms: 120, p99_ms: 480, max_ms: 700 } },
        },
      },
      [0, 0, 0],
    );
    expect(r.broker_cpu_ms_per_1k_events).toBeNull();
    expect(r).toMatchObject({ rate: 5000, p50_ms: 120, p99_ms: 480, latency_samples: 400 });
    expect(formatResults([r])).toMatch(/p50 120 ms, p99 480 ms/);
  });

  it('lists a stage that failed after the table, with its reason', () => {
    const failed = {
      stage: 'pipeline',
      error: 'worker aggregation exited (1):\nlog',
      load_avg: [1, 1, 1] as [number, number, number],
    };
    expect(isFailure(failed)).toBe(true);
    expect(isFailure(row)).toBe(false);
    const text = formatResults([row, failed]);
    expect(text).toMatch(/pipeline: FAILED: worker aggregation exited \(1\):\n {2}log/);
    expect(JSON.parse(JSON.stringify([failed]))[0]).toEqual(failed);
  });

  it('shows a table with one line per stage', () => {
    const text = formatResults([row]);
    expect(text.split('\n')[0]).toMatch(/^stage\s+events\/s\s+CPU ms\/1k/);
    expect(text).toMatch(/pipeline\s+25,000\s+45\s+25\s+250\s+200,000\s+8\.00/);
  });
});
