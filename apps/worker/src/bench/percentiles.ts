// Latency percentiles of the benchmark: nearest-rank on the sorted samples (the value below which
// p% of the samples fall, and a sample itself, never an interpolation between two).

/** The p-th percentile (0 < p <= 100) of `samples` by nearest rank; undefined when empty. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1];
}

export interface LatencySummary {
  samples: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export function summariseLatencies(ms: readonly number[]): LatencySummary {
  const r = (v: number | undefined) => (v === undefined ? null : Math.round(v));
  return {
    samples: ms.length,
    p50_ms: r(percentile(ms, 50)),
    p99_ms: r(percentile(ms, 99)),
    max_ms: r(percentile(ms, 100)),
  };
}
