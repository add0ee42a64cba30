// How long until a consumer catches up, if the current rates hold: lag / (consume − produce).

export interface RatePoint {
  atMs: number;
  committedOffset: number;
  endOffset: number;
}

export type TimeToDrain =
  | { kind: 'drained'; seconds: 0 }
  | { kind: 'draining'; seconds: number; consumePerS: number; producePerS: number }
  /** Consuming no faster than producing: the lag will not shrink at these rates. */
  | { kind: 'not-draining'; consumePerS: number; producePerS: number }
  | { kind: 'unknown'; reason: 'not-enough-samples' };

/**
 * Rates are taken between the oldest and newest point given (normally the status window), which
 * smooths the burstiness of commits (consumers commit per batch or per transaction, not per record).
 */
export function timeToDrain(points: readonly RatePoint[], offsetLag: number): TimeToDrain {
  if (offsetLag <= 0) return { kind: 'drained', seconds: 0 };
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || last.atMs <= first.atMs) {
    return { kind: 'unknown', reason: 'not-enough-samples' };
  }
  const seconds = (last.atMs - first.atMs) / 1000;
  const consumePerS = (last.committedOffset - first.committedOffset) / seconds;
  const producePerS = (last.endOffset - first.endOffset) / seconds;
  const net = consumePerS - producePerS;
  if (net <= 0) return { kind: 'not-draining', consumePerS, producePerS };
  return { kind: 'draining', seconds: offsetLag / net, consumePerS, producePerS };
}

/** Seconds, 0 when drained, Infinity when not draining, null when unknown. */
export function drainSeconds(drain: TimeToDrain): number | null {
  switch (drain.kind) {
    case 'drained':
    case 'draining':
      return drain.seconds;
    case 'not-draining':
      return Number.POSITIVE_INFINITY;
    case 'unknown':
      return null;
  }
}
