// Reads a Prometheus histogram out of a /metrics text: the bucket bound under which a share of
// the observations falls. A bucketed figure is a bound, not a measurement ("p99 ≤ 0.5 s").
// And a gauge's value, summed over its label sets.

export interface HistogramBound {
  count: number;
  /** The smallest bucket bound holding at least the share asked; Infinity past the last. */
  le: number | undefined;
}

export function histogramBound(metrics: string, name: string, share: number): HistogramBound {
  const buckets: { le: number; n: number }[] = [];
  let count = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${name}_bucket{`)) {
      const m = /le="([^"]+)"[^}]*}\s+(\S+)/.exec(line);
      if (m) buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), n: Number(m[2]) });
    } else if (line.startsWith(`${name}_count`)) {
      count = Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  if (count === 0) return { count, le: undefined };
  buckets.sort((a, b) => a.le - b.le);
  return { count, le: buckets.find((b) => b.n >= share * count)?.le };
}

/** The sum of a gauge's samples over all its label sets; undefined when it has none. */
export function gaugeSum(metrics: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum = (sum ?? 0) + v;
  }
  return sum;
}
