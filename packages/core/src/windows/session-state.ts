// Sessions by session_id with an inactivity gap: events of one id whose times lie within the gap
// of each other form one session. A session is emitted when the watermark passes its last event
// plus the gap; a late event that extends it marks it changed so it is emitted again. Downstream
// rows are keyed by (session_start, session_id), so when a late event moves a session's start
// earlier, or bridges the gap between two sessions so they merge, the next record of the session
// lists in `superseded_starts` the starts it was emitted under before (its own, and those of the
// sessions merged into it): the store deletes those rows as it writes this one.
import type { AggregationEvent } from './aggregation-event.ts';

export interface SessionRecord {
  session_id: string;
  user_id: string;
  session_start: string;
  session_end: string;
  duration_ms: number;
  event_count: number;
  pageview_count: number;
  entry_url: string | null;
  exit_url: string | null;
  /** Starts of earlier records this one replaces (absent when none). */
  superseded_starts?: string[];
}

export interface SessionState {
  sessionId: string;
  userId: string;
  start: number;
  end: number;
  eventCount: number;
  pageviewCount: number;
  entryUrl: string | null;
  exitUrl: string | null;
  /** The start it was last emitted under; undefined while never emitted. */
  emittedStart: number | undefined;
  /** Starts of sessions merged into this one that had been emitted under their own start. */
  superseded: number[];
  /** Changed since it was last emitted. */
  changed: boolean;
  /** Changed since it was last written to the changelog. */
  dirty: boolean;
  /** The changelog key it was last written under (its start may move earlier since). */
  loggedKey: string | undefined;
}

export function newSession(e: AggregationEvent): SessionState {
  return {
    sessionId: e.sessionId,
    userId: e.userId,
    start: e.timeMs,
    end: e.timeMs,
    eventCount: 1,
    pageviewCount: e.type === 'pageview' ? 1 : 0,
    entryUrl: e.url,
    exitUrl: e.url,
    emittedStart: undefined,
    superseded: [],
    changed: true,
    dirty: true,
    loggedKey: undefined,
  };
}

/** Whether `timeMs` falls within the inactivity gap of the session (a gap of exactly gapMs joins). */
export function fitsSession(s: SessionState, timeMs: number, gapMs: number): boolean {
  return timeMs >= s.start - gapMs && timeMs <= s.end + gapMs;
}

/**
 * Adds an event to a session it fits. Ties keep arrival order: an event at the current end
 * becomes the exit, one at the current start does not replace the entry.
 */
export function extendSession(s: SessionState, e: AggregationEvent): void {
  if (e.timeMs < s.start) {
    s.start = e.timeMs;
    s.entryUrl = e.url;
  }
  if (e.timeMs >= s.end) {
    s.end = e.timeMs;
    s.exitUrl = e.url;
  }
  s.eventCount++;
  if (e.type === 'pageview') s.pageviewCount++;
  s.changed = true;
  s.dirty = true;
}

/**
 * Folds `other` (another session of the same id that an event now bridges to) into `s`; the
 * caller drops `other` from its state.
 */
export function mergeSession(s: SessionState, other: SessionState): void {
  if (other.start < s.start) {
    s.start = other.start;
    s.entryUrl = other.entryUrl;
  }
  if (other.end >= s.end) {
    s.end = other.end;
    s.exitUrl = other.exitUrl;
  }
  s.eventCount += other.eventCount;
  s.pageviewCount += other.pageviewCount;
  s.superseded.push(...other.superseded);
  if (other.emittedStart !== undefined) s.superseded.push(other.emittedStart);
  s.changed = true;
  s.dirty = true;
}

/** The session's record; marks it emitted under its current start. */
export function emitSessionRecord(s: SessionState): SessionRecord {
  const replaced = new Set(s.superseded);
  if (s.emittedStart !== undefined) replaced.add(s.emittedStart);
  replaced.delete(s.start);
  const record = sessionRecord(s);
  if (replaced.size > 0)
    record.superseded_starts = [...replaced].sort((a, b) => a - b).map((t) => iso(t));
  s.emittedStart = s.start;
  s.superseded = [];
  s.changed = false;
  s.dirty = true;
  return record;
}

const iso = (t: number) => new Date(t).toISOString();

export function sessionRecord(s: SessionState): SessionRecord {
  return {
    session_id: s.sessionId,
    user_id: s.userId,
    session_start: new Date(s.start).toISOString(),
    session_end: new Date(s.end).toISOString(),
    duration_ms: s.end - s.start,
    event_count: s.eventCount,
    pageview_count: s.pageviewCount,
    entry_url: s.entryUrl,
    exit_url: s.exitUrl,
  };
}
