// A consumer group's time to drain: core's timeToDrain (the rule the lag monitor applies) on
// each partition's window of polls, and the group's is its slowest partition's. Summing the
// partitions first would let a busy partition hide a stuck one.
import { type LagSample, type TimeToDrain, timeToDrain } from '@sluice/core';

const RANK: Record<TimeToDrain['kind'], number> = {
  'caught-up': 0,
  'keeping-up': 1,
  draining: 2,
  unknown: 3,
  'not-draining': 4,
};

/**
 * From each partition's window (oldest first, as `sampleWindow` reads it; partitions the monitor
 * has no polls of are left out). The worst verdict wins: not draining, then unknown, then
 * draining, keeping up, caught up; the seconds are the longest among draining and keeping-up
 * partitions, the rates the group's sums.
 */
export function groupTimeToDrain(windows: readonly (readonly LagSample[])[]): TimeToDrain {
  const drains = windows.flatMap((w) => {
    const latest = w[w.length - 1];
    return latest ? [timeToDrain(w, latest.offsetLag)] : [];
  });
  if (drains.length === 0) return { kind: 'unknown', reason: 'not-enough-samples' };
  const worst = drains.reduce((a, b) => (RANK[b.kind] > RANK[a.kind] ? b : a));
  if (worst.kind !== 'draining' && worst.kind !== 'keeping-up') return worst;
  let seconds = 0;
  let consumePerS = 0;
  let producePerS = 0;
  for (const d of drains) {
    if (d.kind === 'caught-up') continue;
    if (d.kind !== 'draining' && d.kind !== 'keeping-up') continue;
    seconds = Math.max(seconds, d.seconds);
    consumePerS += d.consumePerS;
    producePerS += d.producePerS;
  }
  return { kind: worst.kind, seconds, consumePerS, producePerS };
}
