// What each store must hold after a run, computed from the generated events alone: none of the
// pipeline's code is used. Routing is the specification's table (pageview and click to
// PostgreSQL, error and exception to the search engine, every event to Redis and the archive);
// the Redis counters follow the documented key layout (realtime-keys.ts's header) with our own
// arithmetic; windows and sessions come from the aggregation suite's plain simulation.

import type { FixtureEvent } from '../aggregation/enriched-events.fixture.ts';
import {
  type SessionTruth,
  sessionTruth,
  type WindowTruth,
  windowTruth,
} from '../aggregation/ground-truth.ts';
import { type RealtimeMinute, realtimeTruth } from '../support/realtime-truth.ts';
import type { TrafficEvent } from './traffic.ts';

export interface AggregationBounds {
  sizesMs: Record<string, number>;
  maxOutOfOrderMs: number;
  allowedLatenessMs: number;
  sessionGapMs: number;
}

export interface ExpectedStores {
  valid: Set<string>;
  timescale: Set<string>;
  search: Set<string>;
  realtime: Map<string, RealtimeMinute>;
  /** `${size}|${start ISO}|${type}` → the merged window. */
  windows: Map<string, WindowTruth>;
  sessions: Map<string, SessionTruth>;
  poison: string[];
}

export function expectedStores(
  events: readonly TrafficEvent[],
  poison: readonly string[],
  bounds: AggregationBounds,
): ExpectedStores {
  const ids = (types: string[]) =>
    new Set(events.filter((e) => types.includes(e.type)).map((e) => e.event_id));
  // One sequence in production order: every partition's order is a subsequence of it.
  const sequence = [events as unknown as FixtureEvent[]];
  return {
    valid: new Set(events.map((e) => e.event_id)),
    timescale: ids(['pageview', 'click']),
    search: ids(['error', 'exception']),
    realtime: realtimeTruth(events),
    windows: windowTruth(sequence, bounds),
    sessions: sessionTruth(sequence),
    poison: [...poison],
  };
}

/**
 * The premise that makes the window truth independent of how records spread over partitions:
 * no event is late even in production order, and a partition's watermark, taken over a
 * subsequence, can only be lower. So on-time counts are all there is to compare.
 */
export function lateInTruth(windows: Map<string, WindowTruth>): number {
  let late = 0;
  for (const w of windows.values()) late += w.lateAccepted + w.lateDropped;
  return late;
}
