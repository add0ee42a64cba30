// End-to-end latency of the events the storage writers take: from each event's Kafka timestamp
// (when it entered the pipeline) to the moment it is queryable, that is, durable in every sink it
// was routed to except the archive, which is asynchronous by design and batches for seconds (an
// event routed only to the archive waits for it). Counted once per event, per offset-tracker
// segment; a segment of a partition given up is forgotten (its new owner counts it).
export interface EndToEndLatency {
  /** A segment of events handed to `sinks`; reported at once when that is no sink at all. */
  track(segmentId: number, timestampsMs: readonly number[], sinks: Iterable<string>): void;
  /** The sink made the segment durable (stored or dead-lettered). */
  durable(segmentId: number, sink: string): void;
  forget(segmentIds: Iterable<number>): void;
  /** Segments still waiting. */
  size(): number;
}

export function createEndToEndLatency(
  report: (timestampsMs: readonly number[]) => void,
  asyncSinks: ReadonlySet<string> = new Set(['s3']),
): EndToEndLatency {
  const waiting = new Map<number, { times: readonly number[]; sinks: Set<string> }>();
  return {
    track(segmentId, timestampsMs, sinks) {
      const all = [...sinks];
      const queryable = all.filter((s) => !asyncSinks.has(s));
      const wait = new Set(queryable.length > 0 ? queryable : all);
      if (wait.size === 0) report(timestampsMs);
      else waiting.set(segmentId, { times: timestampsMs, sinks: wait });
    },
    durable(segmentId, sink) {
      const entry = waiting.get(segmentId);
      if (entry === undefined || !entry.sinks.delete(sink) || entry.sinks.size > 0) return;
      waiting.delete(segmentId);
      report(entry.times);
    },
    forget(segmentIds) {
      for (const id of segmentIds) waiting.delete(id);
    },
    size: () => waiting.size,
  };
}
