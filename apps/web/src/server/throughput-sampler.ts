// Events per second into a topic, from two observations of its summed end offsets. The console
// polls every few seconds; the sampler remembers the previous observation per topic in memory
// (per server process), so the first poll after a start reports "measuring" rather than a guess.
export interface ThroughputSampler {
  /** Records `total` (sum of end offsets) at `atMs`; returns events/s, or null if unknown yet. */
  observe(topic: string, total: number, atMs: number): number | null;
}

const MIN_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 5 * 60_000;

export function createThroughputSampler(): ThroughputSampler {
  const last = new Map<string, { total: number; atMs: number; rate: number | null }>();
  return {
    observe(topic, total, atMs) {
      const prev = last.get(topic);
      if (prev && atMs - prev.atMs < MIN_INTERVAL_MS) return prev.rate;
      let rate: number | null = null;
      // A shrinking total means the topic was recreated: no rate from that pair.
      if (prev && atMs - prev.atMs <= MAX_INTERVAL_MS && total >= prev.total) {
        rate = ((total - prev.total) * 1000) / (atMs - prev.atMs);
      }
      last.set(topic, { total, atMs, rate });
      return rate;
    },
  };
}
