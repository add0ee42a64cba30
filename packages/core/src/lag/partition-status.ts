// Consumer status per partition from a sliding window of samples, in the manner of Burrow's
// evaluation rules, and the group status as the worst of its partitions. Burrow watches the
// commit stream; we poll, so "the consumer commits" is read from group membership and from the
// committed offset moving between samples.

export type LagStatus = 'OK' | 'WARN' | 'REWIND' | 'STALL' | 'STOP';

export const LAG_STATUSES: readonly LagStatus[] = ['OK', 'WARN', 'REWIND', 'STALL', 'STOP'];

/** For statuses read back from storage (lag_samples.status is text). */
export function isLagStatus(value: string): value is LagStatus {
  return (LAG_STATUSES as readonly string[]).includes(value);
}

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
  /** Where the lag was counted from: the committed offset, or the log start offset when the
   *  group had committed nothing (then `noCommit`). */
  committedOffset: number;
  endOffset: number;
  offsetLag: number;
  /** The group had no commit on the partition: the position is the log start. */
  noCommit?: boolean;
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
 *
 * A partition without a commit goes through the same rules with the log start as its position:
 * a group that has members but commits nothing while records wait is STALL once the window is
 * full, one without members STOP; going from a commit to none (offsets deleted) is REWIND.
 *
 * The reason is `statusReason` of the status and the same evidence.
 */
export function partitionStatus(input: StatusInput): StatusResult {
  const status = statusOf(input);
  return { status, reason: statusReason(status, input) };
}

function statusOf(input: StatusInput): LagStatus {
  const { window, members } = input;
  const size = input.windowSize ?? DEFAULT_WINDOW_SIZE;
  const latest = window[window.length - 1];
  if (!latest) return 'OK';
  if (backwardsStep(window)) return 'REWIND';
  if (latest.offsetLag <= 0) return 'OK';
  if (members === 0) return 'STOP';
  if (stalled(window, size)) return 'STALL';
  if (lagGrowing(window, size) || aboveThreshold(input) !== null) return 'WARN';
  return 'OK';
}

/** The evidence a status is explained from: what the lag monitor decided it on. */
export type StatusEvidence = Pick<StatusInput, 'window' | 'windowSize' | 'timeLagS' | 'thresholds'>;

/**
 * Why a partition has `status`, from the evidence it was decided on: the one wording of every
 * reason, for `sluice lag` (through the lag tracker) and for the console, which re-reads the
 * window from lag_samples. A WARN the evidence does not explain (the thresholds the monitor used
 * are not known to the reader) says so rather than guessing which one.
 */
export function statusReason(status: LagStatus, evidence: StatusEvidence): string {
  const { window } = evidence;
  const size = evidence.windowSize ?? DEFAULT_WINDOW_SIZE;
  const first = window[0];
  const latest = window[window.length - 1];
  switch (status) {
    case 'REWIND': {
      const step = backwardsStep(window);
      if (step?.toNoCommit) {
        return `committed offset removed (was ${step.from}; lag now from log start ${step.to})`;
      }
      return step
        ? `committed offset went backwards (${step.from} to ${step.to})`
        : 'committed offset went backwards';
    }
    case 'STOP':
      return latest?.noCommit
        ? 'lag from log start, nothing committed and no consumer in the group'
        : 'lag and no consumer in the group';
    case 'STALL':
      if (latest?.noCommit) {
        return first && stalled(window, size)
          ? `consumer present but nothing committed (lag from log start ${latest.committedOffset} for ${seconds(latest.atMs - first.atMs)} s)`
          : 'consumer present but nothing committed';
      }
      return first && latest && stalled(window, size)
        ? `consumer present but committed offset not moving (at ${latest.committedOffset} for ${seconds(latest.atMs - first.atMs)} s)`
        : 'consumer present but committed offset not moving';
    case 'WARN': {
      if (first && latest && lagGrowing(window, size)) {
        return `lag growing across the window while commits move (${first.offsetLag} to ${latest.offsetLag})`;
      }
      const above = aboveThreshold(evidence);
      if (above?.kind === 'offset') {
        return `offset lag ${above.value} above ${above.threshold}`;
      }
      if (above?.kind === 'time')
        return `time lag ${seconds(above.value * 1000)} s above ${above.threshold} s`;
      return 'lag above a configured threshold';
    }
    case 'OK':
      if (!latest) return 'no samples yet';
      if (latest.offsetLag <= 0) return 'caught up';
      return latest.noCommit ? 'nothing committed yet' : 'consuming';
  }
}

function backwardsStep(
  window: readonly LagSample[],
): { from: number; to: number; toNoCommit: boolean } | null {
  for (let i = 1; i < window.length; i++) {
    const from = (window[i - 1] as LagSample).committedOffset;
    const to = window[i] as LagSample;
    if (to.committedOffset < from) {
      return { from, to: to.committedOffset, toNoCommit: to.noCommit === true };
    }
  }
  return null;
}

function stalled(window: readonly LagSample[], size: number): boolean {
  const first = window[0];
  const latest = window[window.length - 1];
  return (
    window.length >= size &&
    first !== undefined &&
    latest !== undefined &&
    first.committedOffset === latest.committedOffset
  );
}

function lagGrowing(window: readonly LagSample[], size: number): boolean {
  const first = window[0];
  const latest = window[window.length - 1];
  if (window.length < size || !first || !latest) return false;
  if (first.committedOffset === latest.committedOffset) return false;
  return lagNeverFell(window) && latest.offsetLag > first.offsetLag;
}

type ThresholdBreach =
  | { kind: 'offset'; value: number; threshold: number }
  | { kind: 'time'; value: number; threshold: number };

function aboveThreshold(evidence: StatusEvidence): ThresholdBreach | null {
  const latest = evidence.window[evidence.window.length - 1];
  const t = evidence.thresholds;
  if (!latest || !t) return null;
  if (t.maxOffsetLag !== undefined && latest.offsetLag > t.maxOffsetLag) {
    return { kind: 'offset', value: latest.offsetLag, threshold: t.maxOffsetLag };
  }
  if (
    t.maxTimeLagS !== undefined &&
    evidence.timeLagS !== null &&
    evidence.timeLagS > t.maxTimeLagS
  ) {
    return { kind: 'time', value: evidence.timeLagS, threshold: t.maxTimeLagS };
  }
  return null;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

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
