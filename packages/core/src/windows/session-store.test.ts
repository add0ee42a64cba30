import { describe, expect, it } from 'vitest';
import type { AggregationEvent } from './aggregation-event.ts';
import {
  extendSession,
  newSession,
  type SessionRecord,
  type SessionState,
} from './session-state.ts';
import { createSessionStore } from './session-store.ts';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MIN = 60_000;
const GAP = 30 * MIN;

const store = () =>
  createSessionStore({ sessionGapMs: GAP, allowedLatenessMs: MIN, retentionMs: 10 * MIN });
const ev = (sessionId: string, timeMs: number): AggregationEvent => ({
  eventId: `${sessionId}@${timeMs}`,
  type: 'pageview',
  timeMs,
  userId: 'u',
  sessionId,
  url: null,
  country: 'GB',
  deviceType: 'desktop',
});
const session = (id: string, timeMs: number) => newSession(ev(id, timeMs));

function closeDue(s: ReturnType<typeof store>, watermark: number) {
  const emitted: SessionRecord[] = [];
  const purged: SessionState[] = [];
  const kept = s.closeDue(
    watermark,
    (r) => emitted.push(r),
    (x) => purged.push(x),
  );
  return { emitted, purged, kept };
}

describe('session store', () => {
  it('finds the sessions of an id that an event fits, earliest start first', () => {
    const s = store();
    const late = session('a', T0 + 40 * MIN);
    const early = session('a', T0);
    s.add(late);
    s.add(early);
    s.add(session('b', T0 + 20 * MIN));
    expect(s.fitting('a', T0 + 20 * MIN)).toEqual([early, late]);
    expect(s.fitting('a', T0 + 71 * MIN)).toEqual([]);
    expect(s.fitting('nobody', T0)).toEqual([]);
  });

  it('emits a session once the watermark passes its last event plus the gap, purges it after retention', () => {
    const s = store();
    const x = session('a', T0);
    s.add(x);
    expect(closeDue(s, T0 + GAP - 1).emitted).toEqual([]);
    expect(closeDue(s, T0 + GAP).emitted.map((r) => r.session_id)).toEqual(['a']);
    extendSession(x, ev('a', T0 + MIN)); // a late event within the gap: emitted again
    s.touch(x);
    expect(closeDue(s, T0 + GAP).emitted).toEqual([]);
    expect(closeDue(s, T0 + MIN + GAP).emitted.map((r) => r.event_count)).toEqual([2]);
    expect(closeDue(s, T0 + MIN + GAP + 11 * MIN - 1).purged).toEqual([]);
    expect(closeDue(s, T0 + MIN + GAP + 11 * MIN).purged).toEqual([x]);
    expect(s.size).toBe(0);
  });

  it('keeps the order of ids as first stored, and puts an id stored again after emptying last', () => {
    const s = store();
    const a = session('a', T0);
    s.add(a);
    s.add(session('b', T0));
    s.add(session('a', T0 + 2 * GAP));
    s.delete(a);
    expect(closeDue(s, T0 + 9 * GAP).emitted.map((r) => [r.session_id, r.session_start])).toEqual([
      ['a', '2026-01-01T11:00:00.000Z'],
      ['b', '2026-01-01T10:00:00.000Z'],
    ]);
    const c = store();
    const first = session('a', T0);
    c.add(first);
    c.add(session('b', T0));
    c.delete(first);
    c.add(session('a', T0));
    expect(closeDue(c, T0 + 9 * GAP).emitted.map((r) => r.session_id)).toEqual(['b', 'a']);
  });

  it('evicts the session that closes soonest, as extended', () => {
    const s = store();
    const a = session('a', T0);
    const b = session('b', T0 + MIN);
    s.add(a);
    s.add(b);
    closeDue(s, 0);
    expect(s.soonestClosing()).toBe(a);
    extendSession(a, ev('a', T0 + 2 * MIN));
    s.touch(a);
    closeDue(s, 0);
    expect(s.soonestClosing()).toBe(b);
    const emitted: SessionRecord[] = [];
    s.evict(b, (r) => emitted.push(r));
    expect(emitted.map((r) => r.session_id)).toEqual(['b']);
    expect(s.has(b)).toBe(false);
    expect(s.soonestClosing()).toBe(a);
  });

  it('with 100,000 sessions stored, a drain visits only the ones touched and the ones due', () => {
    const s = store();
    const all: SessionState[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = session(`s${i}`, T0 + (i % 1000) * MIN);
      all.push(x);
      s.add(x);
    }
    expect(closeDue(s, T0).kept).toHaveLength(100_000); // all new: each visited once
    const touched = [all[5], all[99_000], all[42_000]] as SessionState[];
    for (const x of touched) {
      extendSession(x, ev(x.sessionId, x.end));
      s.touch(x);
    }
    const quiet = closeDue(s, T0 + GAP - 1);
    expect(quiet.kept.map((x) => x.sessionId)).toEqual(['s5', 's42000', 's99000']);
    expect(quiet.emitted).toEqual([]);
    // The watermark reaches the close of the sessions started in the first minute: only the
    // 100 of them are visited, and emitted.
    const closed = closeDue(s, T0 + GAP);
    expect(closed.kept).toHaveLength(100);
    expect(closed.emitted).toHaveLength(100);
  });
});
