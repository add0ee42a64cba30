// Sessions by session_id with an inactivity gap: events of one id whose times lie within the gap
// of each other form one session. A session is emitted when the watermark passes its last event
// plus the gap; a late event that extends it marks it changed so it is emitted again (the record
// is keyed by session_id and supersedes the earlier one).
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
  emitted: boolean;
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
    emitted: false,
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

export const sessionStateKey = (s: SessionState): string => `s|${s.sessionId}|${s.start}`;

export function sessionToJson(s: SessionState): string {
  return JSON.stringify({
    i: s.sessionId,
    u: s.userId,
    s: s.start,
    e: s.end,
    n: s.eventCount,
    p: s.pageviewCount,
    in: s.entryUrl,
    out: s.exitUrl,
    em: s.emitted,
  });
}

export function sessionFromJson(text: string, stateKey: string): SessionState {
  const v = JSON.parse(text);
  return {
    sessionId: v.i,
    userId: v.u,
    start: v.s,
    end: v.e,
    eventCount: v.n,
    pageviewCount: v.p,
    entryUrl: v.in,
    exitUrl: v.out,
    emitted: v.em,
    changed: false,
    dirty: false,
    loggedKey: stateKey,
  };
}
