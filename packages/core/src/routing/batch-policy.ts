// When a sink's buffer is written: at a record count, a byte size or an age, whichever comes
// first. Age is measured by the caller's clock, passed in.

export interface BatchPolicy {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

export interface BufferState {
  readonly records: number;
  readonly bytes: number;
  /** When the oldest buffered record arrived (caller's clock, ms); null when empty. */
  readonly oldestAtMs: number | null;
}

export type FlushDecision =
  | { readonly flush: false; readonly waitMs: number | null }
  | { readonly flush: true; readonly reason: 'records' | 'bytes' | 'age' };

export function flushDecision(
  policy: BatchPolicy,
  state: BufferState,
  nowMs: number,
): FlushDecision {
  if (state.records === 0 || state.oldestAtMs === null) return { flush: false, waitMs: null };
  if (state.records >= policy.maxRecords) return { flush: true, reason: 'records' };
  if (state.bytes >= policy.maxBytes) return { flush: true, reason: 'bytes' };
  const age = nowMs - state.oldestAtMs;
  if (age >= policy.maxAgeMs) return { flush: true, reason: 'age' };
  return { flush: false, waitMs: policy.maxAgeMs - age };
}

/** Backpressure with hysteresis: pause above the high mark, resume only below the low one. */
export function backpressure(
  pendingRecords: number,
  highWatermark: number,
  paused: boolean,
): 'pause' | 'resume' | 'keep' {
  if (!paused && pendingRecords >= highWatermark) return 'pause';
  if (paused && pendingRecords < Math.floor(highWatermark / 2)) return 'resume';
  return 'keep';
}
