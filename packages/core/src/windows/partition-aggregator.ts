// Event-time windows and sessions of ONE input partition. Pure: events, wall-clock readings and
// restored state come in; records to emit and changelog entries go out. The worker runs one per
// assigned partition inside its Kafka transactions; `sluice aggregate` runs one over stdin.
//
// Watermark: highest event time seen minus maxOutOfOrderMs, advanced per event, never moved
// back. A window [start, end) fires once the watermark reaches `end`. An event whose window has
// fired is late: within allowedLatenessMs it updates the window (late_accepted, re-emitted with
// the same key so it replaces the earlier record); beyond, the late policy applies.
//
// An event beyond its window's retention (`expired`) finds no state to count it in: it is
// counted in a late-drop correction record for its window instead (late-correction.ts).
//
// Memory bound: a window stays until watermark ≥ end + allowedLateness + retention, a session
// until watermark ≥ end + gap + allowedLateness + retention, so the state holds
//   Σ_sizes ((maxOutOfOrder + allowedLateness + retention) / size + 1) × keys
// windows (keys = event types × dimension values) plus the sessions active in
// gap + maxOutOfOrder + allowedLateness + retention of event time, capped by maxStateEntries.
//
// Cost: the stores index their entries by event time, so a drain visits what the batch touched
// and what the watermark reached, never the whole state (window-store.ts, session-store.ts).
import { type AggregationEvent, dimensionsOf } from './aggregation-event.ts';
import type { AggregatorConfig } from './aggregator-config.ts';
import {
  appendSessionWrites,
  type ChangelogEntry,
  decodeEntry,
  META_KEY,
  metaEntry,
  windowLogKey,
  windowToJson,
} from './changelog-codec.ts';
import { hashUserId } from './hyperloglog.ts';
import {
  correctionRecord,
  type LateDropCorrection,
  type PendingCorrection,
} from './late-correction.ts';
import {
  extendSession,
  mergeSession,
  newSession,
  type SessionRecord,
  type SessionState,
} from './session-state.ts';
import { createSessionStore } from './session-store.ts';
import { type WindowSize, windowStart } from './window-size.ts';
import { newWindow, type WindowRecord } from './window-state.ts';
import { createWindowStore } from './window-store.ts';

export { type ChangelogEntry, META_KEY };

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

export interface Drained {
  windows: { key: string; record: WindowRecord }[];
  /** Late drops of windows past retention, to add to their late_dropped. */
  corrections: { key: string; record: LateDropCorrection }[];
  sessions: SessionRecord[];
  changelog: ChangelogEntry[];
  /** Entries closed early because the state cap was reached. */
  evicted: number;
}

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
  const lateness = config.allowedLatenessMs;
  const gap = config.sessionGapMs;
  const keep = lateness + config.retentionMs;
  const windows = createWindowStore({
    partition,
    allowedLatenessMs: lateness,
    retentionMs: config.retentionMs,
  });
  const sessions = createSessionStore({
    sessionGapMs: gap,
    allowedLatenessMs: lateness,
    retentionMs: config.retentionMs,
  });
  let maxEventMs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let lastActivity = nowWallMs;
  let metaDirty = false;
  let position: string | undefined;
  let lateCorrections = 0;
  /** Expired events per window since the last drain, in the order their windows were met. */
  const pendingCorrections = new Map<string, PendingCorrection>();
  /** Deletes to write before the changed entries, in the order they happened. */
  const tombstones: string[] = [];

  for (const [key, value] of restored) {
    const entry = decodeEntry(key, value);
    if (entry.kind === 'meta') {
      maxEventMs = entry.meta.maxEventMs;
      watermark = entry.meta.watermark;
      position = entry.meta.position;
      lateCorrections = entry.meta.lateCorrections;
    } else if (entry.kind === 'window') windows.restore(entry.window);
    else if (entry.kind === 'session') sessions.restore(entry.session);
  }

  // The start of each size's last window as its key spells it: formatting a date per event and
  // size took a tenth of the stage's time, and consecutive events mostly share their windows.
  const lastStarts = config.windows.map(() => ({ ms: Number.NaN, iso: '' }));

  function addToWindows(e: AggregationEvent): EventOutcome {
    const hash = hashUserId(e.userId);
    const dims = dimensionsOf(e, config.dimensions);
    let worst: EventOutcome = 'on_time';
    for (let i = 0; i < config.windows.length; i++) {
      const size = config.windows[i] as WindowSize;
      const last = lastStarts[i] as { ms: number; iso: string };
      const start = windowStart(e.timeMs, size.ms);
      const end = start + size.ms;
      if (start !== last.ms) {
        last.ms = start;
        last.iso = new Date(start).toISOString();
      }
      const key = `${size.name}|${last.iso}|${e.type}|${dims}`;
      let w = windows.get(key);
      let outcome: EventOutcome;
      if (watermark < end) outcome = 'on_time';
      else if (watermark < end + lateness) outcome = 'late_accepted';
      else if (w === undefined && watermark >= end + keep) outcome = 'expired';
      else outcome = config.latePolicy === 'drop' ? 'late_dropped' : 'reaggregated';
      if (RANK[outcome] > RANK[worst]) worst = outcome;
      if (outcome === 'expired') {
        countExpired(key, size.name, start, end, e.type, dims);
        continue;
      }
      if (w === undefined) {
        w = newWindow(size.name, size.ms, start, e.type, dims);
        windows.add(w);
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
      windows.touch(w);
    }
    return worst;
  }

  function countExpired(
    key: string,
    size: string,
    start: number,
    end: number,
    type: string,
    dimensions: string,
  ): void {
    const c = pendingCorrections.get(key);
    if (c !== undefined) c.lateDropped++;
    else pendingCorrections.set(key, { key, size, start, end, type, dimensions, lateDropped: 1 });
  }

  function addToSessions(e: AggregationEvent): void {
    const [s, ...bridged] = sessions.fitting(e.sessionId, e.timeMs);
    if (s === undefined) {
      // A session of this event alone would have closed beyond the allowed lateness: with the
      // drop policy it is not opened (its windows counted the event as late_dropped), so a
      // very late event never re-emits a fragment of a session already closed and purged.
      if (config.latePolicy === 'drop' && watermark >= e.timeMs + gap + lateness) return;
      sessions.add(newSession(e));
      return;
    }
    // The event may close the gap between sessions of its id: they become one.
    for (const other of bridged) {
      mergeSession(s, other);
      dropSession(other);
    }
    extendSession(s, e);
    sessions.touch(s);
  }

  function dropSession(s: SessionState): void {
    sessions.delete(s);
    if (s.loggedKey !== undefined) tombstones.push(s.loggedKey);
  }

  /** Past the state cap, closes the entries closing soonest: windows first on a tie. */
  function evictSoonestClosing(out: Drained): void {
    const over = windows.size + sessions.size - config.maxStateEntries;
    if (over <= 0) return;
    const emitWindow = (x: Drained['windows'][number]) => out.windows.push(x);
    const emitSession = (r: SessionRecord) => out.sessions.push(r);
    for (let i = 0; i < over; i++) {
      const w = windows.soonestEnding();
      const s = sessions.soonestClosing();
      if (w !== undefined && (s === undefined || w.end <= s.end + gap)) {
        windows.evict(w, emitWindow);
        tombstones.push(windowLogKey(w));
      } else if (s !== undefined) {
        sessions.evict(s, emitSession);
        if (s.loggedKey !== undefined) tombstones.push(s.loggedKey);
      }
    }
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
      // Past end + lateness, so the windows close as final, not merely fire.
      const target = Math.max(watermark, windows.latestEnd() + lateness, sessions.latestClose());
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
      const out: Drained = {
        windows: [],
        corrections: [],
        sessions: [],
        changelog: [],
        evicted: 0,
      };
      for (const c of pendingCorrections.values())
        out.corrections.push(correctionRecord(c, partition, ++lateCorrections));
      if (pendingCorrections.size > 0) {
        pendingCorrections.clear();
        metaDirty = true;
      }
      const keptWindows = windows.closeDue(
        watermark,
        (x) => out.windows.push(x),
        (w) => tombstones.push(windowLogKey(w)),
      );
      const keptSessions = sessions.closeDue(
        watermark,
        (r) => out.sessions.push(r),
        (s) => {
          if (s.loggedKey !== undefined) tombstones.push(s.loggedKey);
        },
      );
      evictSoonestClosing(out);

      for (const key of tombstones) out.changelog.push({ key, value: null });
      tombstones.length = 0;
      for (const w of keptWindows)
        if (w.dirty && windows.has(w)) {
          out.changelog.push({ key: windowLogKey(w), value: windowToJson(w) });
          w.dirty = false;
        }
      for (const s of keptSessions)
        if (s.dirty && sessions.has(s)) {
          appendSessionWrites(s, out.changelog);
          s.dirty = false;
        }
      if (pos !== undefined && pos !== position) {
        position = pos;
        metaDirty = true;
      }
      // Written last: the restorer reads the changelog until it meets the meta entry of the
      // transaction whose input offset the group committed, so everything before it is in.
      if (metaDirty) {
        out.changelog.push(metaEntry({ maxEventMs, watermark, position, lateCorrections }));
        metaDirty = false;
      }
      return out;
    },

    watermark: () => watermark,
    stateSize: () => windows.size + sessions.size,
    restoredPosition: () => position,
  };
}
