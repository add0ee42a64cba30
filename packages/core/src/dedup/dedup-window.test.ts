import { describe, expect, it } from 'vitest';
import { createDedupWindow } from './dedup-window.ts';

describe('createDedupWindow', () => {
  it('drops a second record of an event within the horizon, passes it after', () => {
    const w = createDedupWindow({ horizonMs: 60_000, maxIds: 100 });
    expect(w.check('a', 1_000)).toBe(false);
    expect(w.check('a', 30_000)).toBe(true);
    expect(w.check('b', 30_000)).toBe(false);
    // 'a' is older than the newest record minus the horizon: forgotten, a new event again.
    expect(w.check('c', 70_000)).toBe(false);
    expect(w.check('a', 70_001)).toBe(false);
    expect(w.check('a', 70_002)).toBe(true);
  });

  it('stays bounded by count, and counts the ids it dropped inside the horizon', () => {
    const w = createDedupWindow({ horizonMs: 60_000, maxIds: 3 });
    for (const id of ['a', 'b', 'c', 'd']) expect(w.check(id, 1_000)).toBe(false);
    expect(w.size()).toBe(3);
    expect(w.evictedEarly()).toBe(1);
    // 'a' went first: its late duplicate gets through; 'd' is still known.
    expect(w.check('a', 2_000)).toBe(false);
    expect(w.check('d', 2_000)).toBe(true);
  });

  it('is rebuilt by replaying the records from any point a horizon before the last', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      id: `e${i % 170}`,
      ts: i * 1_000 + (i % 7) * 300,
    }));
    const live = createDedupWindow({ horizonMs: 60_000, maxIds: 10_000 });
    const liveDecisions = records.map((r) => live.check(r.id, r.ts));
    // A new owner replays from 120 records (more than a horizon) before the commit at 400.
    const restored = createDedupWindow({ horizonMs: 60_000, maxIds: 10_000 });
    for (const r of records.slice(280, 400)) restored.check(r.id, r.ts);
    const after = records.slice(400).map((r) => restored.check(r.id, r.ts));
    expect(after).toEqual(liveDecisions.slice(400));
    expect(restored.size()).toBe(live.size());
  });

  it('refuses a bound that is not one', () => {
    expect(() => createDedupWindow({ horizonMs: 0, maxIds: 1 })).toThrow(/horizonMs/);
    expect(() => createDedupWindow({ horizonMs: 1, maxIds: 0 })).toThrow(/maxIds/);
  });
});
