// The changelog that a partition's window and session state is restored from: its keys and
// values, as the aggregator writes them (the worker prefixes the partition). Every changelog
// already in Kafka was written in this format, so it changes only together with a reader for the
// old one.
//
//   w|<size>|<start ISO>|<type>|<dimensions>   a window
//   s|<session id>|<start ms>                  a session, under the start it was written with
//   m                                          meta: max event time, watermark, input position,
//                                              late-drop corrections numbered so far (`lc`,
//                                              written once there is one; absent reads as 0)
//
// The window's sketch `h` is unique_users_sketch's wire format, whose version 1 (written before
// the sparse mode) still decodes: see hyperloglog.ts.
import { HyperLogLog } from './hyperloglog.ts';
import type { SessionState } from './session-state.ts';
import { type WindowState, windowKey } from './window-state.ts';

/** A changelog write: key is the state key (the worker prefixes the partition); null deletes. */
export interface ChangelogEntry {
  key: string;
  value: string | null;
}

export const META_KEY = 'm';

/** What the meta entry carries; a non-finite time is written as null. */
export interface ChangelogMeta {
  maxEventMs: number;
  watermark: number;
  /** The worker's next input offset, committed in the same transaction. */
  position: string | undefined;
  /** The number of the last late-drop correction emitted (late-correction.ts). */
  lateCorrections: number;
}

export const windowLogKey = (w: WindowState): string => `w|${w.key}`;

export const sessionLogKey = (s: SessionState): string => `s|${s.sessionId}|${s.start}`;

export function windowToJson(w: WindowState): string {
  return JSON.stringify({
    z: w.size,
    s: w.start,
    e: w.end,
    t: w.type,
    d: w.dimensions,
    c: w.count,
    la: w.lateAccepted,
    ld: w.lateDropped,
    h: w.users.toBase64(),
    em: w.emitted,
    f: w.finalEmitted,
  });
}

export function windowFromJson(text: string): WindowState {
  const v = JSON.parse(text);
  return {
    key: windowKey(v.z, v.s, v.t, v.d),
    size: v.z,
    start: v.s,
    end: v.e,
    type: v.t,
    dimensions: v.d,
    count: v.c,
    lateAccepted: v.la,
    lateDropped: v.ld,
    users: HyperLogLog.fromBase64(v.h),
    emitted: v.em,
    finalEmitted: v.f,
    changed: false,
    dirty: false,
  };
}

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
    em: s.emittedStart ?? null,
    // Changed since emitted (a late event reopened it): must be emitted again after a restore.
    ch: s.changed,
    ...(s.superseded.length > 0 ? { sup: s.superseded } : {}),
  });
}

export function sessionFromJson(text: string, logKey: string): SessionState {
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
    // Entries written before emittedStart existed hold a boolean: emitted under its start.
    emittedStart: v.em === true ? v.s : typeof v.em === 'number' ? v.em : undefined,
    superseded: Array.isArray(v.sup) ? v.sup : [],
    changed: v.ch === true,
    dirty: false,
    loggedKey: logKey,
  };
}

/**
 * Appends the writes that save a session: its entry, preceded by a delete of the entry it was
 * saved under before when its start has moved since. Remembers the key it is now saved under.
 */
export function appendSessionWrites(s: SessionState, out: ChangelogEntry[]): void {
  const key = sessionLogKey(s);
  if (s.loggedKey !== undefined && s.loggedKey !== key) out.push({ key: s.loggedKey, value: null });
  out.push({ key, value: sessionToJson(s) });
  s.loggedKey = key;
}

export function metaEntry(m: ChangelogMeta): ChangelogEntry {
  return {
    key: META_KEY,
    value: JSON.stringify({
      max: Number.isFinite(m.maxEventMs) ? m.maxEventMs : null,
      wm: Number.isFinite(m.watermark) ? m.watermark : null,
      pos: m.position,
      ...(m.lateCorrections > 0 ? { lc: m.lateCorrections } : {}),
    }),
  };
}

/** The input position a meta entry's value names (what the restore looks for). */
export function metaEntryPosition(value: string): string | undefined {
  return JSON.parse(value).pos;
}

export type RestoredEntry =
  | { kind: 'meta'; meta: ChangelogMeta }
  | { kind: 'window'; window: WindowState }
  | { kind: 'session'; session: SessionState }
  | { kind: 'unknown' };

/** One restored key/value pair; keys of no known kind are skipped by the caller. */
export function decodeEntry(key: string, value: string): RestoredEntry {
  if (key === META_KEY) {
    const m = JSON.parse(value);
    return {
      kind: 'meta',
      meta: {
        maxEventMs: m.max ?? Number.NEGATIVE_INFINITY,
        watermark: m.wm ?? Number.NEGATIVE_INFINITY,
        position: m.pos,
        lateCorrections: typeof m.lc === 'number' ? m.lc : 0,
      },
    };
  }
  if (key.startsWith('w|')) return { kind: 'window', window: windowFromJson(value) };
  if (key.startsWith('s|')) return { kind: 'session', session: sessionFromJson(value, key) };
  return { kind: 'unknown' };
}
