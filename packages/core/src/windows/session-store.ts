// The sessions of one partition, by session id (an id holds several sessions when its events lie
// more than a gap apart). A drain visits only the sessions that events touched and those whose
// next deadline the watermark reached: last event + gap (the session closes and is emitted) and
// that + allowed lateness + retention (it is purged). The state cap takes those closing soonest.
import { DeadlineIndex, type IndexedEntry } from './deadline-index.ts';
import {
  emitSessionRecord,
  fitsSession,
  type SessionRecord,
  type SessionState,
} from './session-state.ts';

export interface SessionStore {
  readonly size: number;
  /** The sessions of the id that an event at `timeMs` falls within the gap of, earliest first. */
  fitting(sessionId: string, timeMs: number): SessionState[];
  has(s: SessionState): boolean;
  /** Stores a session that an event opened: the next drain visits it. */
  add(s: SessionState): void;
  /** Stores a session read back from the changelog. */
  restore(s: SessionState): void;
  /** An event extended the session (or merged another into it): the next drain visits it. */
  touch(s: SessionState): void;
  delete(s: SessionState): void;
  /**
   * Emits the sessions the watermark closed and purges those past retention (in the order they
   * were stored, as `purged` is called). Returns the sessions it visited and kept, in that
   * order: every session with unsaved changes is among them.
   */
  closeDue(
    watermark: number,
    emit: (r: SessionRecord) => void,
    purged: (s: SessionState) => void,
  ): SessionState[];
  /** The session that closes first (ties: the one stored first). */
  soonestClosing(): SessionState | undefined;
  /** Drops the session before its time, emitting it unless it was already, unchanged. */
  evict(s: SessionState, emit: (r: SessionRecord) => void): void;
  /** The latest close among the sessions; may instead be one the watermark has passed (see the index). */
  latestClose(): number;
}

export interface SessionStoreOptions {
  sessionGapMs: number;
  allowedLatenessMs: number;
  retentionMs: number;
}

export function createSessionStore(o: SessionStoreOptions): SessionStore {
  const gap = o.sessionGapMs;
  const keep = o.allowedLatenessMs + o.retentionMs;
  /** The sessions of each id, in the order they were stored; all carry the id's place as major. */
  const groups = new Map<string, IndexedEntry<SessionState>[]>();
  const index = new DeadlineIndex<SessionState>({
    dueAt: (s) => (s.emittedStart === undefined || s.changed ? s.end + gap : s.end + gap + keep),
    closesAt: (s) => s.end + gap,
  });
  // An id that lost all its sessions and gets a new one goes after the others, as a map key that
  // was deleted and set again does: records keep the order in which the aggregator emitted them
  // when it walked a map of ids.
  let ids = 0;
  let stored = 0;

  const entryOf = (s: SessionState): IndexedEntry<SessionState> | undefined =>
    groups.get(s.sessionId)?.find((e) => e.state === s);

  function store(s: SessionState): IndexedEntry<SessionState> {
    const group = groups.get(s.sessionId);
    const e = index.add(s, group?.[0]?.major ?? ids++, stored++);
    // Most ids have one session: a list made by pushing onto [] would reserve 17 slots.
    if (group === undefined) groups.set(s.sessionId, [e]);
    else group.push(e);
    return e;
  }

  function remove(s: SessionState): void {
    const group = groups.get(s.sessionId);
    const at = group?.findIndex((e) => e.state === s) ?? -1;
    const e = group?.[at];
    if (group === undefined || e === undefined) return;
    index.delete(e);
    group.splice(at, 1);
    if (group.length === 0) groups.delete(s.sessionId);
  }

  return {
    get size() {
      return index.size;
    },
    fitting(sessionId, timeMs) {
      const group = groups.get(sessionId);
      if (group === undefined) return [];
      const fits: SessionState[] = [];
      for (const e of group) if (fitsSession(e.state, timeMs, gap)) fits.push(e.state);
      return fits.sort((a, b) => a.start - b.start);
    },
    has: (s) => entryOf(s) !== undefined,
    add(s) {
      index.touch(store(s));
    },
    restore(s) {
      store(s);
    },
    touch(s) {
      const e = entryOf(s);
      if (e !== undefined) index.touch(e);
    },
    delete: remove,
    closeDue(watermark, emit, purged) {
      return index
        .visitDue(watermark, ({ state: s }) => {
          const closes = s.end + gap;
          if (watermark < closes) return;
          if (s.emittedStart === undefined || s.changed) emit(emitSessionRecord(s));
          if (watermark >= closes + keep) {
            remove(s);
            s.dirty = false;
            purged(s);
          }
        })
        .map((e) => e.state);
    },
    soonestClosing: () => index.soonestClosing()?.state,
    evict(s, emit) {
      if (s.emittedStart === undefined || s.changed) emit(emitSessionRecord(s));
      remove(s);
    },
    latestClose: () => index.latestClose(),
  };
}
