// Consumer status per partition from a sliding window of samples, in the manner of Burrow's
// evaluation rules, and the group status as the worst of its partitions. Burrow watches the
// commit stream; we poll, so "the consumer commits" is read from group membership and from the
// committed offset moving between samples.

export type LagStatus = 'OK' | 'WARN' | 'REWIND' | 'STALL' | 'STOP';

/** Worst last. REWIND is above WARN (someone moved offsets back: look now) but below STALL and
 *  STOP, which mean nothing is being consumed. */
export const STATUS_SEVERITY: Record<LagStatus, number> = {
  OK: 0,
  WARN: 1,
  REWIND: 2,
  STALL: 3,
  STOP: 4,
};

export interface LagSample {
  atMs: number;
  committedOffset: number;
  endOffset: number;
  offsetLag: number;
}

export interface StatusThresholds {
  /** WARN when the offset lag is above this. */
  maxOffsetLag?: number;
  /** WARN when the (interpolated or extrapolated) time lag is above this. */
  maxTimeLagS?: number;
}

export const DEFAULT_WINDOW_SIZE = 10;

export interface StatusInput {
  /** Oldest first, at most the window size; the last one is now. */
  window: readonly LagSample[];
  windowSize?: number;
  /** Members of the group right now; 0 when the group is empty or dead. */
  members: number;
  timeLagS: number | null;
  thresholds?: StatusThresholds;
}

export interface StatusResult {
  status: LagStatus;
  reason: string;
}

/**
 * Rules, first match wins:
 *  1. REWIND: the committed offset went backwards between two samples in the window (a reset or
 *     a replay). It stays visible for as long as the backwards step is in the window.
 *  2. OK: the latest lag is 0. A caught-up consumer is fine whatever its history.
 *  3. STOP: lag > 0 and the group has no members. Burrow infers a stopped consumer from the last
 *     commit being older than the window; we can see the membership, so we need not wait.
 *  4. STALL: lag > 0, members present, a full window, and the committed offset did not move in it:
 *     a consumer is there but stuck (a poison record, a blocked sink, a livelock in rebalances).
 *  5. WARN (trend): a full window in which the committed offset moved, but the lag never fell
 *     between two samples and ended higher than it began: consuming, yet falling behind.
 *     A steady non-zero lag is not WARN: a consumer that keeps pace always trails a little.
 *  6. WARN (threshold): the offset lag or time lag is above its configured maximum.
 *  7. OK otherwise (including a window not yet full: no verdict before there is evidence).
 */
export function partitionStatus(input: StatusInput): StatusResult {
  const { window, members, timeLagS, thresholds } = input;
  const size = input.windowSize ?? DEFAULT_WINDOW_SIZE;
  const latest = window[window.length - 1];
  if (!latest) return { status: 'OK', reason: 'no samples yet' };

  for (let i = 1; i < window.length; i++) {
    if ((window[i] as LagSample).committedOffset < (window[i - 1] as LagSample).committedOffset) {
      return { status: 'REWIND', reason: 'committed offset went backwards' };
    }
  }
  if (latest.offsetLag <= 0) return { status: 'OK', reason: 'caught up' };
  if (members === 0) return { status: 'STOP', reason: 'lag and no consumer in the group' };

  const first = window[0] as LagSample;
  const full = window.length >= size;
  if (full && first.committedOffset === latest.committedOffset) {
    return { status: 'STALL', reason: 'consumer present but committed offset not moving' };
  }
  if (full && lagNeverFell(window) && latest.offsetLag > first.offsetLag) {
    return { status: 'WARN', reason: 'lag growing across the window while commits move' };
  }
  if (thresholds?.maxOffsetLag !== undefined && latest.offsetLag > thresholds.maxOffsetLag) {
    return { status: 'WARN', reason: `offset lag above ${thresholds.maxOffsetLag}` };
  }
  if (
    thresholds?.maxTimeLagS !== undefined &&
    timeLagS !== null &&
    timeLagS > thresholds.maxTimeLagS
  ) {
    return { status: 'WARN', reason: `time lag above ${thresholds.maxTimeLagS} s` };
  }
  return { status: 'OK', reason: 'consuming' };
}

function lagNeverFell(window: readonly LagSample[]): boolean {
  for (let i = 1; i < window.length; i++) {
    if ((window[i] as LagSample).offsetLag < (window[i - 1] as LagSample).offsetLag) return false;
  }
  return true;
}

/** The group's status is its worst partition's; a group with no partitions is OK. */
export function worstStatus(statuses: Iterable<LagStatus>): LagStatus {
  let worst: LagStatus = 'OK';
  for (const s of statuses) if (STATUS_SEVERITY[s] > STATUS_SEVERITY[worst]) worst = s;
  return worst;
}
