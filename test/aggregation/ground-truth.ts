// The expected aggregates, computed independently of the worker's code from the input topic as
// committed (partition and order matter: the watermark is per partition). Deliberately the
// plainest possible simulation of the documented rules.
import type { FixtureEvent } from './enriched-events.fixture.ts';

export interface Bounds {
  sizesMs: Record<string, number>;
  maxOutOfOrderMs: number;
  allowedLatenessMs: number;
  sessionGapMs: number;
}

export interface WindowTruth {
  count: number;
  lateAccepted: number;
  lateDropped: number;
  users: Set<string>;
}

export interface SessionTruth {
  session_id: string;
  user_id: string;
  session_start: string;
  session_end: string;
  duration_ms: number;
  event_count: number;
  pageview_count: number;
  entry_url: string | null;
  exit_url: string | null;
}

export function windowTruth(partitions: FixtureEvent[][], b: Bounds): Map<string, WindowTruth> {
  const truth = new Map<string, WindowTruth>();
  for (const events of partitions) {
    let maxSeen = Number.NEGATIVE_INFINITY;
    for (const e of events) {
      const watermark = maxSeen - b.maxOutOfOrderMs;
      for (const [name, size] of Object.entries(b.sizesMs)) {
        const start = Math.floor(e.timestamp_ms / size) * size;
        const end = start + size;
        const key = `${name}|${new Date(start).toISOString()}|${e.type}`;
        const w = truth.get(key) ?? { count: 0, lateAccepted: 0, lateDropped: 0, users: new Set() };
        truth.set(key, w);
        if (watermark < end) {
          w.count++;
          w.users.add(e.user_id);
        } else if (watermark < end + b.allowedLatenessMs) {
          w.count++;
          w.lateAccepted++;
          w.users.add(e.user_id);
        } else {
          w.lateDropped++;
        }
      }
      maxSeen = Math.max(maxSeen, e.timestamp_ms);
    }
  }
  return truth;
}

/** Sessions per session id (the fixture's sessions never split: it spans less than one gap). */
export function sessionTruth(partitions: FixtureEvent[][]): Map<string, SessionTruth> {
  const truth = new Map<string, SessionTruth>();
  for (const events of partitions)
    for (const e of events) {
      const s = truth.get(e.session_id);
      if (s === undefined) {
        truth.set(e.session_id, {
          session_id: e.session_id,
          user_id: e.user_id,
          session_start: e.timestamp,
          session_end: e.timestamp,
          duration_ms: 0,
          event_count: 1,
          pageview_count: e.type === 'pageview' ? 1 : 0,
          entry_url: e.url,
          exit_url: e.url,
        });
        continue;
      }
      const start = Date.parse(s.session_start);
      const end = Date.parse(s.session_end);
      if (e.timestamp_ms < start) {
        s.session_start = e.timestamp;
        s.entry_url = e.url;
      }
      if (e.timestamp_ms >= end) {
        s.session_end = e.timestamp;
        s.exit_url = e.url;
      }
      s.duration_ms = Date.parse(s.session_end) - Date.parse(s.session_start);
      s.event_count++;
      if (e.type === 'pageview') s.pageview_count++;
    }
  return truth;
}
