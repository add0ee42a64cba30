// Unique users of a window merged across its source partitions: the union of the partitions'
// HyperLogLog sketches is their register-wise maximum (core's HyperLogLog.merge), so a user seen
// in several partitions counts once. Summing or taking the largest partition's estimate would
// over- or under-count.
import { HLL_REGISTERS, HyperLogLog } from '@sluice/core';

export interface MergedUsers {
  /** The merged sketch's estimate; null when a stored sketch could not be read. */
  estimate: number | null;
  sketches: number;
}

export function mergeSketches(sketches: Iterable<Uint8Array>): MergedUsers {
  const union = new HyperLogLog();
  let n = 0;
  for (const s of sketches) {
    // A sketch of another size is not ours (or was truncated): refuse rather than guess.
    if (s.length !== HLL_REGISTERS) return { estimate: null, sketches: n };
    union.merge(new HyperLogLog(s));
    n++;
  }
  return { estimate: n === 0 ? null : Math.round(union.estimate()), sketches: n };
}
