// Offset lag of one group partition, and the position it is counted from. A partition the group
// consumes but has committed nothing on is still lag: its consumer will start (with
// fromBeginning, or after an offset reset to earliest) at the log start offset, so everything from
// there to the end waits for it. Counting it as 0, or leaving it out, hides a stuck new group.

export interface OffsetLagInput {
  /** The group's committed offset; null when it has committed nothing on the partition. */
  committedOffset: number | null;
  /** The earliest offset still in the log; null when it was not read. */
  logStartOffset: number | null;
  /** The last stable offset (what a read_committed consumer can reach). */
  endOffset: number;
}

export interface OffsetLag {
  /** Where the lag is counted from: the committed offset, or the log start when no commit. */
  position: number;
  offsetLag: number;
  noCommit: boolean;
}

/**
 * The lag of a partition, or null when it cannot be said: no commit and no log start offset.
 * Never negative: a commit at or past the end (a last stable offset still behind a commit) is 0.
 */
export function offsetLag(input: OffsetLagInput): OffsetLag | null {
  const noCommit = input.committedOffset === null;
  const position = input.committedOffset ?? input.logStartOffset;
  if (position === null) return null;
  return { position, offsetLag: Math.max(0, input.endOffset - position), noCommit };
}

/**
 * The position a stored sample's lag was counted from (lag_samples keeps committed offset, end
 * offset and lag, not the log start): the committed offset, or for a partition without a commit
 * the log start it was measured from, end − lag. Null when the row has neither a commit nor a lag.
 */
export function samplePosition(sample: {
  committedOffset: number | null;
  endOffset: number;
  offsetLag: number | null;
}): number | null {
  if (sample.committedOffset !== null) return sample.committedOffset;
  if (sample.offsetLag === null) return null;
  return sample.endOffset - sample.offsetLag;
}
