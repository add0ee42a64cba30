// Event-time windows and sessions of ONE input partition. Pure: events, wall-clock readings and
// restored state come in; records to emit and changelog entries go out. The worker runs one per
// assigned partition inside its Kafka transactions; `sluice aggregate` runs one over stdin.
//
// Watermark: highest event time seen minus maxOutOfOrderMs, advanced per event, never moved
// back. A window [start, end) fires once the watermark reaches `end`. An event whose window has
// fired is late: within allowedLatenessMs it updates the window (late_accepted, re-emitted with
// the same key so it replaces the earlier record); beyond, the late policy applies.
//
// Memory bound: a window stays until watermark ≥ end + allowedLateness + retention, a session
// until watermark ≥ end + gap + allowedLateness + retention, so the state holds
//   Σ_sizes ((maxOutOfOrder + allowedLateness + retention) / size + 1) × keys
// windows (keys = event types × dimension values) plus the sessions active in
// gap + maxOutOfOrder + allowedLateness + retention of event time, capped by maxStateEntries.
import { type AggregationEvent, dimensionsOf } from './aggregation-event.ts';
import type { AggregatorConfig } from './aggregator-config.ts';
import { hashUserId } from './hyperloglog.ts';
import {
  emitSessionRecord,
  extendSession,
  fitsSession,
  mergeSession,
  newSession,
  type SessionRecord,
  type SessionState,
  sessionFromJson,
  sessionStateKey,
  sessionToJson,
} from './session-state.ts';
import { windowStart } from './window-size.ts';
import {
  newWindow,
  type WindowRecord,
  type WindowState,
  windowFromJson,
  windowRecord,
  windowToJson,
} from './window-state.ts';

/** How an event was counted; the worst over its windows (expired > late_dropped > ...). */
export type EventOutcome =
  | 'on_time'
  | 'late_accepted'
  | 'reaggregated'
  | 'late_dropped'
  | 'expired';

const RANK: Record<EventOutcome, number> = {
  on_time: 0,
  late_accepted: 1,
  reaggregated: 2,
  late_dropped: 3,
  expired: 4,
};

/** A changelog write: key is the state key (the worker prefixes the partition); null deletes. */
export interface ChangelogEntry {
  key: string;
  value: string | null;
}

export interface Drained {
  windows: { key: string; record: WindowRecord }[];
  sessions: SessionRecord[];
  changelog: ChangelogEntry[];
  /** Entries closed early because the state cap was reached. */
  evicted: number;
}

export const META_KEY = 'm';
const FAR_FUTURE = Number.MAX_SAFE_INTEGER;

export interface PartitionAggregator {
  add(event: AggregationEvent, nowWallMs: number): EventOutcome;
  /** Wall-clock check: an idle partition's watermark jumps past its open windows and sessions. */
  tick(nowWallMs: number): boolean;
  /** End of input (`sluice aggregate`): everything closes and is emitted as final. */
  closeAll(): void;
  /** Records to emit and changelog entries since the last drain; `position` is kept in the meta entry. */
  drain(position?: string): Drained;
  watermark(): number;
  stateSize(): number;
  /** The position stored with the restored meta entry (the worker's next input offset). */
  restoredPosition(): string | undefined;
}

export function createPartitionAggregator(
  partition: number,
  config: AggregatorConfig,
  nowWallMs: number,
  restored: Iterable<[string, string]> = [],
): PartitionAggregator {
  const windows = new Map<string, WindowState>();
  const sessions = new Map<string, SessionState[]>();
  let sessionCount = 0;
  let maxEventMs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let lastActivity = nowWallMs;
  let metaDirty = false;
  let position: string | undefined;
  const tombstones: string[] = [];
  const lateness = config.allowedLatenessMs;
  const keep = lateness + config.retentionMs;

  for (const [key, value] of restored) {
    if (key === META_KEY) {
      const m = JSON.parse(value);
      maxEventMs = m.max ?? Number.NEGATIVE_INFINITY;
      watermark = m.wm ?? Number.NEGATIVE_INFINITY;
      position = m.pos;
    } else if (key.startsWith('w|')) {
      const w = windowFromJson(value);
      windows.set(w.key, w);
    } else if (key.startsWith('s|')) {
      const s = sessionFromJson(value, key);
      const list = sessions.get(s.sessionId) ?? [];
      list.push(s);
      sessions.set(s.sessionId, list);
      sessionCount++;
    }
  }

  function addToWindows(e: AggregationEvent): EventOutcome {
    const hash = hashUserId(e.userId);
    const dims = dimensionsOf(e, config.dimensions);
    let worst: EventOutcome = 'on_time';
    for (const size of config.windows) {
      const start = windowStart(e.timeMs, size.ms);
      const end = start + size.ms;
      const key = `${size.name}|${new Date(start).toISOString()}|${e.type}|${dims}`;
      let w = windows.get(key);
      let outcome: EventOutcome;
      if (watermark < end) outcome = 'on_time';
      else if (watermark < end + lateness) outcome = 'late_accepted';
      else if (w === undefined && watermark >= end + keep) outcome = 'expired';
      else outcome = config.latePolicy === 'drop' ? 'late_dropped' : 'reaggregated';
      if (RANK[outcome] > RANK[worst]) worst = outcome;
      if (outcome === 'expired') continue;
      if (w === undefined) {
        w = newWindow(size.name, size.ms, start, e.type, dims);
        windows.set(key, w);
      }
      if (outcome === 'late_dropped') {
        w.lateDropped++;
      } else {
        w.count++;
        if (outcome !== 'on_time') w.lateAccepted++;
        w.users.addHash(hash);
      }
      w.changed = true;
      w.dirty = true;
    }
    return worst;
  }

  function addToSessions(e: AggregationEvent): void {
    const gap = config.sessionGapMs;
    const list = sessions.get(e.sessionId) ?? [];
    const fits = list
      .filter((x) => fitsSession(x, e.timeMs, gap))
      .sort((a, b) => a.start - b.start);
    const [s, ...bridged] = fits;
    if (s === undefined) {
      // A session of this event alone would have closed beyond the allowed lateness: with the
      // drop policy it is not opened (its windows counted the event as late_dropped), so a
      // very late event never re-emits a fragment of a session already closed and purged.
      if (config.latePolicy === 'drop' && watermark >= e.timeMs + gap + lateness) return;
      list.push(newSession(e));
      sessions.set(e.sessionId, list);
      sessionCount++;
      return;
    }
    // The event may close the gap between sessions of its id: they become one.
    for (const other of bridged) {
      mergeSession(s, other);
      removeSession(other);
    }
    extendSession(s, e);
  }

  function removeSession(s: SessionState): void {
    const list = sessions.get(s.sessionId);
    if (list === undefined) return;
    const rest = list.filter((x) => x !== s);
    if (rest.length === 0) sessions.delete(s.sessionId);
    else sessions.set(s.sessionId, rest);
    sessionCount--;
    if (s.loggedKey !== undefined) tombstones.push(s.loggedKey);
  }

  function emitWindow(w: WindowState, out: Drained, forceFinal: boolean): void {
    const final = forceFinal || watermark >= w.end + lateness;
    out.windows.push({ key: `${w.key}|${partition}`, record: windowRecord(w, partition, final) });
    w.emitted = true;
    w.changed = false;
    if (final) w.finalEmitted = true;
    w.dirty = true;
  }

  function emitSession(s: SessionState, out: Drained): void {
    out.sessions.push(emitSessionRecord(s));
  }

  function evictOldest(out: Drained): void {
    const over = windows.size + sessionCount - config.maxStateEntries;
    if (over <= 0) return;
    const entries: { closes: number; evict: () => void }[] = [];
    for (const w of windows.values())
      entries.push({
        closes: w.end,
        evict: () => {
          if (!w.finalEmitted || w.changed) emitWindow(w, out, true);
          windows.delete(w.key);
          tombstones.push(`w|${w.key}`);
        },
      });
    for (const list of sessions.values())
      for (const s of list)
        entries.push({
          closes: s.end + config.sessionGapMs,
          evict: () => {
            if (s.emittedStart === undefined || s.changed) emitSession(s, out);
            removeSession(s);
          },
        });
    entries.sort((a, b) => a.closes - b.closes);
    for (let i = 0; i < over; i++) entries[i]?.evict();
    out.evicted += over;
  }

  return {
    add(e, now) {
      lastActivity = now;
      const outcome = addToWindows(e);
      addToSessions(e);
      if (e.timeMs > maxEventMs) {
        maxEventMs = e.timeMs;
        metaDirty = true;
        if (maxEventMs - config.maxOutOfOrderMs > watermark)
          watermark = maxEventMs - config.maxOutOfOrderMs;
      }
      return outcome;
    },

    tick(now) {
      if (now - lastActivity < config.idleTimeoutMs) return false;
      let target = watermark;
      // Past end + lateness, so the windows close as final, not merely fire.
      for (const w of windows.values()) if (w.end + lateness > target) target = w.end + lateness;
      for (const list of sessions.values())
        for (const s of list)
          if (s.end + config.sessionGapMs > target) target = s.end + config.sessionGapMs;
      if (target <= watermark) return false;
      watermark = target;
      metaDirty = true;
      return true;
    },

    closeAll() {
      watermark = FAR_FUTURE;
      metaDirty = true;
    },

    drain(pos) {
      const out: Drained = { windows: [], sessions: [], changelog: [], evicted: 0 };
      for (const w of windows.values()) {
        if (watermark < w.end) continue;
        const final = watermark >= w.end + lateness;
        if (!w.emitted || w.changed || (final && !w.finalEmitted)) emitWindow(w, out, false);
        if (watermark >= w.end + keep) {
          windows.delete(w.key);
          tombstones.push(`w|${w.key}`);
          w.dirty = false;
        }
      }
      for (const list of [...sessions.values()])
        for (const s of list) {
          const closes = s.end + config.sessionGapMs;
          if (watermark < closes) continue;
          if (s.emittedStart === undefined || s.changed) emitSession(s, out);
          if (watermark >= closes + keep) {
            removeSession(s);
            s.dirty = false;
          }
        }
      evictOldest(out);

      for (const key of tombstones) out.changelog.push({ key, value: null });
      tombstones.length = 0;
      for (const w of windows.values())
        if (w.dirty) {
          out.changelog.push({ key: `w|${w.key}`, value: windowToJson(w) });
          w.dirty = false;
        }
      for (const list of sessions.values())
        for (const s of list) {
          if (!s.dirty) continue;
          const key = sessionStateKey(s);
          if (s.loggedKey !== undefined && s.loggedKey !== key)
            out.changelog.push({ key: s.loggedKey, value: null });
          out.changelog.push({ key, value: sessionToJson(s) });
          s.loggedKey = key;
          s.dirty = false;
        }
      if (pos !== undefined && pos !== position) {
        position = pos;
        metaDirty = true;
      }
      // Written last: the restorer reads the changelog until it meets the meta entry of the
      // transaction whose input offset the group committed, so everything before it is in.
      if (metaDirty) {
        out.changelog.push({
          key: META_KEY,
          value: JSON.stringify({
            max: Number.isFinite(maxEventMs) ? maxEventMs : null,
            wm: Number.isFinite(watermark) ? watermark : null,
            pos: position,
          }),
        });
        metaDirty = false;
      }
      return out;
    },

    watermark: () => watermark,
    stateSize: () => windows.size + sessionCount,
    restoredPosition: () => position,
  };
}
