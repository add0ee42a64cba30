import { describe, expect, it } from 'vitest';
import { createEventGenerator } from './event-generator.ts';

const draw = (n: number, seed = 1, extra = {}) => {
  const next = createEventGenerator({
    seed,
    startTime: Date.parse('2026-11-27T10:00:00Z'),
    ...extra,
  });
  return Array.from({ length: n }, () => next());
};

describe('event generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(draw(500, 7)).toEqual(draw(500, 7));
    expect(draw(50, 7)).not.toEqual(draw(50, 8));
  });

  it('keys by session, marks about 0.5% malformed, and the rest parse with the required fields', () => {
    const records = draw(40_000);
    const malformed = records.filter((r) => r.malformed).length;
    expect(malformed / records.length).toBeGreaterThan(0.003);
    expect(malformed / records.length).toBeLessThan(0.007);
    const broken = records
      .filter((x) => !x.malformed)
      .filter((r) => {
        const ev = JSON.parse(r.value);
        const fields = ['event_id', 'type', 'timestamp', 'user_id', 'session_id'];
        return r.key !== ev.session_id || fields.some((f) => ev[f] === undefined);
      });
    expect(broken).toEqual([]);
  });

  it('draws users and pages with a heavy head (Zipf), many distinct user agents and addresses, a few % errors', () => {
    const events = draw(40_000)
      .filter((r) => !r.malformed)
      .map((r) => JSON.parse(r.value));
    const count = (key: string) => {
      const m = new Map<string, number>();
      for (const e of events) m.set(e[key], (m.get(e[key]) ?? 0) + 1);
      return [...m.values()].sort((a, b) => b - a);
    };
    const users = count('user_id');
    expect((users[0] ?? 0) / events.length).toBeGreaterThan(0.02);
    expect(users.length).toBeGreaterThan(5_000);
    expect(count('user_agent').length).toBeGreaterThan(200);
    expect(count('ip').length).toBeGreaterThan(2_000);
    const errors =
      events.filter((e) => e.type === 'error' || e.type === 'exception').length / events.length;
    expect(errors).toBeGreaterThan(0.02);
    expect(errors).toBeLessThan(0.06);
  });

  it('follows the given clock for paced traffic', () => {
    let now = Date.parse('2026-11-27T12:00:00Z');
    const next = createEventGenerator({
      seed: 3,
      startTime: 0,
      malformedRate: 0,
      clock: () => now,
    });
    const first = JSON.parse(next().value);
    now += 60_000;
    const later = JSON.parse(next().value);
    const ms = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));
    expect(ms(first.timestamp)).toBeGreaterThan(now - 60_000 - 5_001);
    expect(ms(later.timestamp)).toBeGreaterThan(now - 5_001);
  });
});
