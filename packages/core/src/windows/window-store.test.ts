import { describe, expect, it } from 'vitest';
import { newWindow, type WindowState } from './window-state.ts';
import { createWindowStore, type WindowEmission } from './window-store.ts';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const S = 1000;
const MIN = 60_000;

const store = () =>
  createWindowStore({ partition: 4, allowedLatenessMs: 20 * S, retentionMs: 30 * S });
const window = (start: number, type = 'pageview'): WindowState => {
  const w = newWindow('1m', MIN, start, type, '');
  w.count = 1;
  return w;
};
/** Windows for the large-state tests: an empty sketch is sparse, so 100,000 of them are cheap. */
const cheapWindow = (start: number, type: string): WindowState =>
  newWindow('1m', MIN, start, type, '');

function closeDue(s: ReturnType<typeof store>, watermark: number) {
  const emitted: WindowEmission[] = [];
  const purged: string[] = [];
  const kept = s.closeDue(
    watermark,
    (e) => emitted.push(e),
    (w) => purged.push(w.key),
  );
  return { emitted, purged, kept };
}

describe('window store', () => {
  it('fires a window at its end, makes it final after the lateness, purges it after retention', () => {
    const s = store();
    const w = window(T0);
    s.add(w);
    expect(closeDue(s, T0 + 59_999)).toMatchObject({ emitted: [], kept: [w] });
    const fired = closeDue(s, T0 + MIN).emitted;
    expect(fired.map((e) => [e.key, e.record.final])).toEqual([
      ['1m|2026-01-01T10:00:00.000Z|pageview||4', false],
    ]);
    expect(closeDue(s, T0 + MIN + 19_999)).toEqual({ emitted: [], purged: [], kept: [] });
    expect(closeDue(s, T0 + MIN + 20 * S).emitted.map((e) => e.record.final)).toEqual([true]);
    expect(closeDue(s, T0 + MIN + 50 * S - 1).kept).toEqual([]);
    expect(closeDue(s, T0 + MIN + 50 * S)).toEqual({
      emitted: [],
      purged: ['1m|2026-01-01T10:00:00.000Z|pageview|'],
      kept: [],
    });
    expect(s.size).toBe(0);
    expect(s.get(w.key)).toBeUndefined();
  });

  it('re-emits a fired window an event changed, and emits in the order the windows were stored', () => {
    const s = store();
    const b = window(T0, 'b');
    const a = window(T0, 'a');
    s.add(b);
    s.add(a);
    expect(closeDue(s, T0 + MIN).emitted.map((e) => e.record.type)).toEqual(['b', 'a']);
    a.count++;
    a.changed = true;
    s.touch(a);
    expect(closeDue(s, T0 + MIN).emitted.map((e) => [e.record.type, e.record.count])).toEqual([
      ['a', 2],
    ]);
  });

  it('evicts the window that ends soonest, emitting it as final', () => {
    const s = store();
    const later = window(T0 + MIN, 'later');
    const first = window(T0, 'first');
    const tie = window(T0, 'tie');
    s.add(later);
    s.add(first);
    s.add(tie);
    expect(s.soonestEnding()).toBe(first);
    const emitted: WindowEmission[] = [];
    s.evict(first, (e) => emitted.push(e));
    expect(emitted.map((e) => [e.record.type, e.record.final])).toEqual([['first', true]]);
    expect(s.has(first)).toBe(false);
    expect(s.soonestEnding()).toBe(tie);
  });

  it('with 100,000 windows stored, a drain visits only the ones touched and the ones due', () => {
    const s = store();
    const all: WindowState[] = [];
    for (let i = 0; i < 100_000; i++) {
      const w = cheapWindow(T0 + (i % 600) * MIN, `t${i}`);
      all.push(w);
      s.restore(w);
    }
    const touched = [all[70_000], all[123], all[99_999]] as WindowState[];
    for (const w of touched) {
      w.count++;
      w.changed = true;
      s.touch(w);
    }
    // Watermark just below every end: nothing is due, so only the touched windows are visited.
    const quiet = closeDue(s, T0 + MIN - 1);
    expect(quiet.kept.map((w) => w.type)).toEqual(['t123', 't70000', 't99999']);
    expect(quiet.emitted).toEqual([]);
    // Watermark reaches the first minute's end: its 167 windows fire, no other is visited.
    const fired = closeDue(s, T0 + MIN);
    expect(fired.kept).toHaveLength(167);
    expect(fired.emitted).toHaveLength(167);
    expect(fired.kept.every((w) => w.end === T0 + MIN)).toBe(true);
  });

  it('knows the latest end of its windows', () => {
    const s = store();
    expect(s.latestEnd()).toBe(Number.NEGATIVE_INFINITY);
    s.add(window(T0 + MIN));
    s.restore(window(T0));
    expect(s.latestEnd()).toBe(T0 + 2 * MIN);
  });
});
