// Unique users of a window merged across its source partitions: the union of the partitions'
// sketches (core's HyperLogLog.merge), so a user seen in several partitions counts once.
// Summing or taking the largest partition's estimate would over- or under-count. The union is
// exact while it holds few enough users (the sketch's sparse mode), else an estimate with a
// standard error, which the console shows as ±.
import { HyperLogLog, type SketchMode } from '@sluice/core';

export interface MergedUsers {
  /** The merged sketch's count or estimate; null when a stored sketch could not be read. */
  estimate: number | null;
  mode: SketchMode | null;
  /** Relative standard error of the estimate: 0 when exact, null without an estimate. */
  standardError: number | null;
  sketches: number;
}

export function mergeSketches(sketches: Iterable<Uint8Array>): MergedUsers {
  const union = new HyperLogLog();
  let n = 0;
  for (const s of sketches) {
    // Not a sketch of ours (or truncated): refuse rather than estimate from part of the data.
    const read = HyperLogLog.fromBytes(s);
    if (!read.ok) return { estimate: null, mode: null, standardError: null, sketches: n };
    union.merge(read.sketch);
    n++;
  }
  if (n === 0) return { estimate: null, mode: null, standardError: null, sketches: 0 };
  return {
    estimate: Math.round(union.estimate()),
    mode: union.mode(),
    standardError: union.standardError(),
    sketches: n,
  };
}
