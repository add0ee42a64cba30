// How long until a consumer catches up, if the rates over a sliding window of samples hold.
//
// The plain formula, lag / (consume − produce), is noise on a healthy group: consume and produce
// are nearly equal, so their difference is dominated by where the commits happened to fall
// relative to the samples (consumers commit per batch or transaction, not per record), and its
// sign flips from one poll to the next: "not draining", then "7.5 min", then "not draining".
// A lag that the consumer works through in a few seconds is work in flight, not a backlog, and
// is reported as such; the formula is kept for a real backlog, and only when the net rate is a
// material share of the consumption rate.

export interface RatePoint {
  atMs: number;
  committedOffset: number;
  endOffset: number;
}

export type TimeToDrain =
  | { kind: 'caught-up'; seconds: 0 }
  /** A small lag the consumer clears in `seconds` at its consumption rate: it keeps pace. */
  | { kind: 'keeping-up'; seconds: number; consumePerS: number; producePerS: number }
  | { kind: 'draining'; seconds: number; consumePerS: number; producePerS: number }
  /** The lag will not shrink at these rates: nothing consumed, consumers slower than producers,
   *  or a backlog that consumers hold steady without reducing it. */
  | {
      kind: 'not-draining';
      why: 'stopped' | 'falling-behind' | 'steady';
      consumePerS: number;
      producePerS: number;
    }
  /** Too few points, or offsets that went back within the window (a reset, a recreated topic):
   *  no rate can be taken across it. */
  | { kind: 'unknown'; reason: 'not-enough-samples' | 'offsets-went-back' };

export interface DrainOptions {
  /** A lag cleared within this many seconds of consumption is in flight. Default 10. */
  inFlightS?: number;
  /** Draining (or falling behind) only when the net rate is at least this share of the
   *  consumption rate; a smaller difference is within the noise of batched commits. Default 0.05. */
  minNetShare?: number;
}

export const DEFAULT_DRAIN_OPTIONS: Required<DrainOptions> = { inFlightS: 10, minNetShare: 0.05 };

/**
 * From the points of a sliding window (oldest first; normally the status window, or the samples
 * of the last minutes) and the current lag. Rates are taken across the whole window, not between
 * the last two points. First match wins:
 *  1. caught up: the lag is 0;
 *  2. unknown: fewer than two points, no time between them, or offsets that went back;
 *  3. not draining (stopped): nothing was consumed in the window;
 *  4. keeping up: the lag is at most `inFlightS` seconds of consumption;
 *  5. draining: consumption beats production by at least `minNetShare` of it: lag / net;
 *  6. not draining (falling behind): production beats consumption by as much;
 *  7. not draining (steady): a backlog held steady.
 */
export function timeToDrain(
  points: readonly RatePoint[],
  offsetLag: number,
  options: DrainOptions = {},
): TimeToDrain {
  const { inFlightS, minNetShare } = { ...DEFAULT_DRAIN_OPTIONS, ...options };
  if (offsetLag <= 0) return { kind: 'caught-up', seconds: 0 };
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || last.atMs <= first.atMs) {
    return { kind: 'unknown', reason: 'not-enough-samples' };
  }
  if (last.committedOffset < first.committedOffset || last.endOffset < first.endOffset) {
    return { kind: 'unknown', reason: 'offsets-went-back' };
  }
  const spanS = (last.atMs - first.atMs) / 1000;
  const consumePerS = (last.committedOffset - first.committedOffset) / spanS;
  const producePerS = (last.endOffset - first.endOffset) / spanS;
  const rates = { consumePerS, producePerS };
  if (consumePerS === 0) return { kind: 'not-draining', why: 'stopped', ...rates };
  if (offsetLag <= consumePerS * inFlightS) {
    return { kind: 'keeping-up', seconds: offsetLag / consumePerS, ...rates };
  }
  const net = consumePerS - producePerS;
  if (net >= minNetShare * consumePerS) {
    return { kind: 'draining', seconds: offsetLag / net, ...rates };
  }
  const why = -net >= minNetShare * consumePerS ? 'falling-behind' : 'steady';
  return { kind: 'not-draining', why, ...rates };
}

/** Seconds: 0 caught up, the estimate while keeping up or draining, Infinity when not draining,
 *  null when unknown. */
export function drainSeconds(drain: TimeToDrain): number | null {
  switch (drain.kind) {
    case 'caught-up':
    case 'keeping-up':
    case 'draining':
      return drain.seconds;
    case 'not-draining':
      return Number.POSITIVE_INFINITY;
    case 'unknown':
      return null;
  }
}
