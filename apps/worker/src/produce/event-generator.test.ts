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

  it('takes thousands of user agents and an address per session when asked (the benchmark data)', () => {
    const events = draw(60_000, 5, {
      users: 1_000_000,
      ips: 20_000,
      userAgents: 3000,
      ipPerSession: true,
    })
      .filter((r) => !r.malformed)
      .map((r) => JSON.parse(r.value));
    const distinct = (key: string) => new Set(events.map((e) => e[key])).size;
    expect(distinct('user_agent')).toBeGreaterThan(2000);
    // More sessions than addresses: about every address of the pool (20,000 + 3 special) is
    // used (a few only by malformed records, left out here), and none other.
    expect(distinct('session_id')).toBeGreaterThan(20_003);
    expect(distinct('ip')).toBeGreaterThan(19_800);
    expect(distinct('ip')).toBeLessThanOrEqual(20_003);
    // The defaults are unchanged: an address per user.
    const sticky = draw(5000)
      .filter((r) => !r.malformed)
      .map((r) => JSON.parse(r.value));
    const ipsOf = new Map<string, Set<string>>();
    for (const e of sticky) ipsOf.set(e.user_id, (ipsOf.get(e.user_id) ?? new Set()).add(e.ip));
    expect(Math.max(...[...ipsOf.values()].map((s) => s.size))).toBe(1);
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
