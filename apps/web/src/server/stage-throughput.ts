// Events per second into a topic over time, from the lag monitor's history: the rate between two
// polls is the growth of the topic's summed end offsets over the time between them. A hole in
// the samples (the monitor was down) is a gap, never a zero or a line drawn across it; so is a
// pair that cannot be compared (the topic was recreated, or a different set of partitions).
export interface OffsetTotal {
  t: number;
  total: number;
  partitions: number;
}

export interface RatePoint {
  t: number;
  perSecond: number | null;
}

/** Points sorted by time; `maxGapMs`: longer intervals between polls are holes. */
export function ratesFromTotals(points: readonly OffsetTotal[], maxGapMs: number): RatePoint[] {
  const out: RatePoint[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as OffsetTotal;
    const b = points[i] as OffsetTotal;
    const dt = b.t - a.t;
    if (dt <= 0) continue;
    if (dt > maxGapMs) {
      out.push({ t: a.t + Math.round(dt / 2), perSecond: null });
      continue;
    }
    const comparable = b.partitions === a.partitions && b.total >= a.total;
    out.push({ t: b.t, perSecond: comparable ? ((b.total - a.total) * 1000) / dt : null });
  }
  return out;
}

/**
 * Series keyed by name into chart rows `{ t, [name]: value }`. A name missing from a row has no
 * value at that time, which the chart draws as a gap.
 */
export function pivot(
  series: Record<string, readonly { t: number; value: number | null }[]>,
): Record<string, number | null>[] {
  const rows = new Map<number, Record<string, number | null>>();
  for (const [name, points] of Object.entries(series)) {
    for (const p of points) {
      const row = rows.get(p.t) ?? { t: p.t };
      row[name] = p.value;
      rows.set(p.t, row);
    }
  }
  return [...rows.values()].sort((a, b) => (a.t as number) - (b.t as number));
}
