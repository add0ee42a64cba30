// Time lag by interpolation, as kafka-lag-exporter computes it. The broker does not tell us when
// an offset was written, but each poll tells us the log-end offset at a known wall time; a table of
// those (offset, time) points per partition lets us map the committed offset back to the moment the
// log end was there, and the time lag is the distance from that moment to now.

export interface OffsetTimePoint {
  offset: number;
  atMs: number;
}

/** Oldest first; never longer than the capacity it was built with. */
export type OffsetTimeTable = readonly OffsetTimePoint[];

export const DEFAULT_TABLE_CAPACITY = 60;

export type TimeLag =
  | { kind: 'exact'; seconds: number }
  | { kind: 'interpolated'; seconds: number }
  | { kind: 'extrapolated'; seconds: number }
  | { kind: 'unknown'; reason: 'not-enough-points' | 'no-production-in-table' };

/**
 * Record the log-end offset seen at `atMs`. Returns a new table; the input is not changed.
 *
 * - An offset lower than the newest point means the partition was truncated or recreated: the old
 *   points describe another log, so the table restarts.
 * - While the producer is idle the offset repeats. We keep the first point of a flat run (the last
 *   moment before it, bounding interpolation from below) and move the run's last point forward,
 *   instead of appending: otherwise an idle hour would push every useful point out of the table.
 * - Beyond the capacity the oldest point is dropped.
 */
export function recordEndOffset(
  table: OffsetTimeTable,
  offset: number,
  atMs: number,
  capacity = DEFAULT_TABLE_CAPACITY,
): OffsetTimeTable {
  const last = table[table.length - 1];
  if (last && atMs <= last.atMs) return table; // a clock step backwards or a duplicate poll
  if (last && offset < last.offset) return [{ offset, atMs }];
  const prev = table[table.length - 2];
  if (last && prev && offset === last.offset && prev.offset === last.offset) {
    return [...table.slice(0, -1), { offset, atMs }];
  }
  const next = [...table, { offset, atMs }];
  return next.length > capacity ? next.slice(next.length - capacity) : next;
}

/**
 * The time lag of `committedOffset` at `nowMs` (normally the time of the newest point).
 *
 * - Lag 0 (committed at or past the end): 0 s, exact.
 * - Committed offset inside the table: the time is interpolated linearly between the last point at
 *   or below it and the first point above it.
 * - Older than the oldest point: extrapolated back along the table's overall slope
 *   (records per ms from oldest to newest point), flagged as such.
 * - Fewer than two points, or no growth across the whole table (nothing to take a slope from):
 *   unknown. Saying so beats plotting a number we do not have.
 */
export function timeLagAt(
  table: OffsetTimeTable,
  committedOffset: number,
  endOffset: number,
  nowMs: number,
): TimeLag {
  if (committedOffset >= endOffset) return { kind: 'exact', seconds: 0 };
  const first = table[0];
  const last = table[table.length - 1];
  if (!first || !last || table.length < 2) return { kind: 'unknown', reason: 'not-enough-points' };

  if (committedOffset < first.offset) {
    const rate = (last.offset - first.offset) / (last.atMs - first.atMs);
    if (!(rate > 0)) return { kind: 'unknown', reason: 'no-production-in-table' };
    const atMs = first.atMs - (first.offset - committedOffset) / rate;
    return { kind: 'extrapolated', seconds: Math.max(0, (nowMs - atMs) / 1000) };
  }

  // The last point at or below the committed offset, and the first point above it.
  let lo = 0;
  for (let i = 0; i < table.length; i++) {
    if ((table[i] as OffsetTimePoint).offset <= committedOffset) lo = i;
    else break;
  }
  const below = table[lo] as OffsetTimePoint;
  const above = table[lo + 1];
  // The committed offset is at or past the newest point but below the end offset: the end moved
  // after the last recorded point, so the log end was at the committed offset no earlier than it.
  if (!above) return { kind: 'interpolated', seconds: Math.max(0, (nowMs - below.atMs) / 1000) };
  const fraction = (committedOffset - below.offset) / (above.offset - below.offset);
  const atMs = below.atMs + fraction * (above.atMs - below.atMs);
  return { kind: 'interpolated', seconds: Math.max(0, (nowMs - atMs) / 1000) };
}

/** The time lag as stored and shown: seconds or null, and whether it was extrapolated. */
export function timeLagValue(lag: TimeLag): { seconds: number | null; estimated: boolean } {
  if (lag.kind === 'unknown') return { seconds: null, estimated: false };
  return { seconds: lag.seconds, estimated: lag.kind === 'extrapolated' };
}
