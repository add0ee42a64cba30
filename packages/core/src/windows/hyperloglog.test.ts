import { describe, expect, it } from 'vitest';
import { HLL_STANDARD_ERROR, HyperLogLog, hashUserId } from './hyperloglog.ts';

describe('HyperLogLog', () => {
  it('states its standard error as 1.04/sqrt(2048)', () => {
    expect(HLL_STANDARD_ERROR).toBeCloseTo(0.02298, 4);
  });

  it('is exact enough on small sets and ignores repeats', () => {
    const h = new HyperLogLog();
    for (let r = 0; r < 5; r++) for (let i = 0; i < 100; i++) h.add(`u${i}`);
    expect(Math.round(h.estimate())).toBeGreaterThanOrEqual(98);
    expect(Math.round(h.estimate())).toBeLessThanOrEqual(102);
    expect(new HyperLogLog().estimate()).toBe(0);
  });

  it('stays within 3 standard errors across cardinalities (error-bound check)', () => {
    // Every trial within 4σ (a false failure over 12 trials is about 1 in 1,000) and the RMS
    // error near σ itself: a wrong bias correction or a broken hash fails the second check.
    const errors: number[] = [];
    for (const n of [1_000, 5_000, 20_000, 50_000, 100_000, 200_000]) {
      for (const salt of ['a', 'b']) {
        const h = new HyperLogLog();
        for (let i = 0; i < n; i++) h.add(`${salt}-user-${i}`);
        const rel = (h.estimate() - n) / n;
        expect(Math.abs(rel)).toBeLessThan(4 * HLL_STANDARD_ERROR);
        errors.push(rel * rel);
      }
    }
    const rms = Math.sqrt(errors.reduce((a, b) => a + b, 0) / errors.length);
    expect(rms).toBeLessThan(1.5 * HLL_STANDARD_ERROR);
  });

  it('merges partials into the sketch of the union and survives base64', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    const all = new HyperLogLog();
    for (let i = 0; i < 30_000; i++) {
      (i % 3 === 0 ? a : b).add(`u${i}`);
      if (i % 2 === 0) a.add(`u${i}`); // overlap
      all.add(`u${i}`);
    }
    const merged = HyperLogLog.fromBase64(a.toBase64());
    merged.merge(HyperLogLog.fromBase64(b.toBase64()));
    expect(merged.registers).toEqual(all.registers);
    expect(a.toBase64()).toHaveLength(2732);
  });

  it('hashes deterministically and spreads nearby ids', () => {
    expect(hashUserId('u1')).toBe(hashUserId('u1'));
    expect(hashUserId('u1')).not.toBe(hashUserId('u2'));
    expect(() => new HyperLogLog(new Uint8Array(10))).toThrow(/2048 registers/);
  });
});
