// The event trace's Kafka port: one record at a known offset, or the first record of the event
// inside a window of Kafka timestamps (every partition of the topic, capped in records and time).
import { type RecordSearch, type RecordSearchResult, recordHoldsEvent } from '@sluice/core';
import type { TopicBrowser } from './topic-browser.ts';

export interface TraceSearchLimits {
  /** Records read per search at most. */
  maxRecords: number;
  timeoutMs: number;
}

export const DEFAULT_TRACE_SEARCH_LIMITS: TraceSearchLimits = {
  maxRecords: 200_000,
  timeoutMs: 15_000,
};

export function traceRecordFinder(
  browser: Pick<TopicBrowser, 'readPage' | 'findRecord'>,
  limits: TraceSearchLimits = DEFAULT_TRACE_SEARCH_LIMITS,
): (search: RecordSearch) => Promise<RecordSearchResult> {
  return async (s) => {
    if (s.exact) {
      const page = await browser.readPage({
        topic: s.topic,
        partition: s.exact.partition,
        start: { kind: 'from', offset: s.exact.offset },
        limit: 1,
        timeoutMs: limits.timeoutMs,
      });
      const r = page.records.find((x) => x.offset === s.exact?.offset) ?? null;
      const found = r && recordHoldsEvent(r.value, s.eventId) ? r : null;
      return {
        found,
        read: page.records.length,
        exhausted: found ? null : page.partial ? 'time' : 'window',
      };
    }
    const result = await browser.findRecord({
      topic: s.topic,
      ...(s.partitions ? { partitions: s.partitions } : {}),
      sinceMs: s.sinceMs,
      untilMs: s.untilMs,
      hint: Buffer.from(s.eventId),
      match: (r) => recordHoldsEvent(r.value, s.eventId),
      maxRecords: limits.maxRecords,
      timeoutMs: limits.timeoutMs,
    });
    return result;
  };
}
