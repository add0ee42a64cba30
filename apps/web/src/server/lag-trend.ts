// Lag history for the trend chart. A missing sample must show as a gap, not as a straight line
// drawn across the hole, so a null point is inserted wherever samples are further apart than
// expected; a null value (lag unknown for some partition) stays null.
export interface LagPoint {
  t: number;
  offsetLag: number | null;
  timeLagS: number | null;
}

/** Inserts a null point in every interval longer than `maxGapMs`. Points must be sorted. */
export function withGaps(points: LagPoint[], maxGapMs: number): LagPoint[] {
  const out: LagPoint[] = [];
  for (const p of points) {
    const prev = out.at(-1);
    if (prev && p.t - prev.t > maxGapMs) {
      out.push({ t: prev.t + Math.round((p.t - prev.t) / 2), offsetLag: null, timeLagS: null });
    }
    out.push(p);
  }
  return out;
}

/** Twice the median interval between samples, at least `floorMs`: what counts as a hole. */
export function gapThreshold(points: readonly { t: number }[], floorMs: number): number {
  const deltas = points
    .slice(1)
    .map((p, i) => p.t - (points[i]?.t ?? p.t))
    .sort((a, b) => a - b);
  const median = deltas[Math.floor(deltas.length / 2)] ?? 0;
  return Math.max(floorMs, 2 * median);
}
