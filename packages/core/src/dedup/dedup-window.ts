// Duplicates by event_id: an upstream producer that retries a send writes the same event again as
// a new record (same event_id, same key, so the same partition of events.raw). The enrichment
// stage keeps, per input partition, the ids of the events it passed on within a horizon, and
// drops a later record carrying one of them before it reaches the aggregation and any store.
//
// The window is a function of the partition's records alone (ids and Kafka timestamps, in
// offset order), never of the wall clock: replaying a partition's records from any point at
// least `horizonMs` before the last one rebuilds the same window, which is how a worker that
// takes over a partition restores it (it re-reads its input up to the committed offset; no
// changelog). Bounded twice: by time (the newest timestamp seen minus the horizon) and by count
// (`maxIds`, the oldest first) — an id evicted early lets a late duplicate through, counted by
// the caller as `evictedEarly` growth so an operator can size the bound.

export interface DedupWindowOptions {
  /** How long after an event a record with its id still counts as a duplicate. */
  horizonMs: number;
  /** Ids kept at most; beyond it the oldest go first, even inside the horizon. */
  maxIds: number;
}

export interface DedupWindow {
  /**
   * True when `eventId` was passed on within the horizon (a duplicate: drop it); otherwise
   * records it as passed on at `timestampMs` and returns false.
   */
  check(eventId: string, timestampMs: number): boolean;
  size(): number;
  /** Ids dropped by the count bound while still inside the horizon, since creation. */
  evictedEarly(): number;
}

export function createDedupWindow(o: DedupWindowOptions): DedupWindow {
  if (!(o.horizonMs > 0) || !Number.isFinite(o.horizonMs))
    throw new RangeError(`horizonMs must be a positive number of milliseconds, got ${o.horizonMs}`);
  if (!Number.isSafeInteger(o.maxIds) || o.maxIds < 1)
    throw new RangeError(`maxIds must be a positive integer, got ${o.maxIds}`);
  /** id → timestamp, in the order passed on (a Map iterates in insertion order). */
  const ids = new Map<string, number>();
  let newest = Number.NEGATIVE_INFINITY;
  let early = 0;

  const evict = () => {
    const oldestKept = newest - o.horizonMs;
    for (const [id, ts] of ids) {
      if (ids.size > o.maxIds) {
        if (ts >= oldestKept) early++;
      } else if (ts >= oldestKept) break;
      ids.delete(id);
    }
  };

  return {
    check(eventId, timestampMs) {
      const seenAt = ids.get(eventId);
      if (seenAt !== undefined && timestampMs - seenAt <= o.horizonMs) return true;
      // Beyond the horizon (kept only because an older-stamped id is ahead of it): a new event.
      if (seenAt !== undefined) ids.delete(eventId);
      ids.set(eventId, timestampMs);
      if (timestampMs > newest) newest = timestampMs;
      evict();
      return false;
    },
    size: () => ids.size,
    evictedEarly: () => early,
  };
}
