import { describe, expect, it } from 'vitest';
import {
  HLL_SPARSE_LIMIT,
  HLL_STANDARD_ERROR,
  HLL_V1_PRECISION,
  HyperLogLog,
  hashUserId,
} from './hyperloglog.ts';

const sketchOf = (ids: Iterable<string>) => {
  const h = new HyperLogLog();
  for (const id of ids) h.add(id);
  return h;
};
const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
const union = (...sketches: HyperLogLog[]) => {
  const out = new HyperLogLog();
  for (const s of sketches) out.merge(s);
  return out;
};
const base64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** The version-1 sketch of these ids, built as the old code did: 2,048 registers, p = 11. */
function v1Bytes(ids: Iterable<string>): Uint8Array {
  const r = new Uint8Array(2048);
  for (const id of ids) {
    const h = hashUserId(id);
    const rank = Math.min(Math.clz32((h << 11) >>> 0), 21) + 1;
    if (rank > (r[h >>> 21] as number)) r[h >>> 21] = rank;
  }
  return r;
}

describe('HyperLogLog: exact while sparse', () => {
  it('counts small windows exactly: the 36 and 46 users the dense sketch reported as 34 and 44', () => {
    for (const n of [0, 1, 36, 46, 500, HLL_SPARSE_LIMIT]) {
      const h = new HyperLogLog();
      for (let r = 0; r < 3; r++) for (const id of range('user-', 0, n)) h.add(id); // repeats
      expect(h.estimate()).toBe(n);
      expect(h.mode()).toBe('exact');
      expect(h.standardError()).toBe(0);
    }
  });

  it('turns dense one hash past the sparse limit, and reports its standard error', () => {
    const h = sketchOf(range('user-', 0, HLL_SPARSE_LIMIT + 1));
    expect(h.mode()).toBe('estimate');
    expect(h.standardError()).toBeCloseTo(0.008125, 6);
    expect(HLL_STANDARD_ERROR).toBeCloseTo(0.008125, 6);
    expect(Math.abs(h.estimate() - (HLL_SPARSE_LIMIT + 1))).toBeLessThan(
      3 * HLL_STANDARD_ERROR * HLL_SPARSE_LIMIT,
    );
  });

  it('keeps hash 0 like any other', () => {
    const h = new HyperLogLog();
    h.addHash(0);
    h.addHash(0);
    h.addHash(1);
    expect(h.estimate()).toBe(2);
    expect(HyperLogLog.fromBase64(h.toBase64()).estimate()).toBe(2);
  });
});

describe('HyperLogLog: dense estimates within their standard error', () => {
  it('at 10k, 100k and 1M distinct users over seeded runs (σ = 0.81 %)', () => {
    const errors: number[] = [];
    for (const n of [10_000, 100_000, 1_000_000])
      for (const seed of n === 1_000_000 ? ['s1', 's2'] : ['s1', 's2', 's3', 's4']) {
        const h = sketchOf(range(`${seed}-user-`, 0, n));
        const rel = (h.estimate() - n) / n;
        // 4σ per trial: a false failure over 10 trials is about 1 in 1,500.
        expect(Math.abs(rel), `${n} users, seed ${seed}`).toBeLessThan(4 * HLL_STANDARD_ERROR);
        errors.push(rel * rel);
      }
    // Near σ itself: a wrong estimator or a broken hash fails this, not only the bound above.
    const rms = Math.sqrt(errors.reduce((a, b) => a + b, 0) / errors.length);
    expect(rms).toBeLessThan(1.6 * HLL_STANDARD_ERROR);
    // Below the 1 % standard error the issue asked for, and at the precision that gives it.
    expect(HLL_STANDARD_ERROR).toBeLessThan(0.01);
    // 2.2M hashed ids: about 2 s here alone, past vitest's 5 s default under a loaded CI run.
  }, 60_000);

  it('has no bump where small and large ranges meet (3k to 60k users)', () => {
    for (const n of [3_000, 8_000, 20_000, 40_000, 60_000]) {
      const rel = (sketchOf(range('mid-', 0, n)).estimate() - n) / n;
      expect(Math.abs(rel), `${n} users`).toBeLessThan(4 * HLL_STANDARD_ERROR);
    }
  });
});

describe('HyperLogLog: merging', () => {
  // Partials as the partitions build them: overlapping user ranges.
  const cases: [string, [number, number][]][] = [
    [
      'sparse ∪ sparse, small',
      [
        [0, 30],
        [20, 46],
        [40, 45],
      ],
    ],
    [
      'sparse ∪ sparse, past the limit',
      [
        [0, 1500],
        [1000, 2500],
        [2400, 3000],
      ],
    ],
    [
      'sparse ∪ dense',
      [
        [0, 100],
        [50, 20_000],
        [19_000, 19_010],
      ],
    ],
    [
      'dense ∪ dense',
      [
        [0, 9000],
        [5000, 30_000],
        [29_000, 40_000],
      ],
    ],
  ];

  for (const [what, ranges] of cases)
    it(`${what}: the sketch of the union, in any order and grouping`, () => {
      const parts = ranges.map(([a, b]) => sketchOf(range('u', a, b)));
      const [a, b, c] = parts as [HyperLogLog, HyperLogLog, HyperLogLog];
      const all = sketchOf(ranges.flatMap(([x, y]) => range('u', x, y)));
      const expected = base64(all.toBytes());
      expect(base64(union(a, b, c).toBytes())).toBe(expected);
      expect(base64(union(c, b, a).toBytes())).toBe(expected); // commutative
      expect(base64(union(b, union(a, c)).toBytes())).toBe(expected); // associative
      expect(base64(union(union(c, a), b).toBytes())).toBe(expected);
      // Through the wire, as the console merges stored partials.
      const wired = union(...parts.map((p) => HyperLogLog.fromBase64(p.toBase64())));
      expect(base64(wired.toBytes())).toBe(expected);
      expect(union(a, b, c).mode()).toBe(all.mode());
    });

  it('stays exact across partitions while the union is small', () => {
    const merged = union(sketchOf(range('u', 0, 30)), sketchOf(range('u', 20, 46)));
    expect(merged.mode()).toBe('exact');
    expect(merged.estimate()).toBe(46);
  });

  it('does not change the sketch merged in', () => {
    const b = sketchOf(range('u', 0, 5000));
    const before = b.toBase64();
    const a = sketchOf(range('u', 0, 10));
    a.merge(b);
    expect(b.toBase64()).toBe(before);
  });
});

describe('HyperLogLog: wire format', () => {
  it('writes version 2: 4 characters empty, 196 for 36 users, 13,660 dense', () => {
    expect(new HyperLogLog().toBase64()).toBe('AgA=');
    expect(sketchOf(range('u', 0, 36)).toBase64()).toHaveLength(196);
    const dense = sketchOf(range('u', 0, 50_000));
    expect(dense.toBytes()).toHaveLength(10_243);
    expect(dense.toBase64()).toHaveLength(13_660);
    expect(Array.from(dense.toBytes().subarray(0, 3))).toEqual([2, 1, 14]);
    const back = HyperLogLog.fromBase64(dense.toBase64());
    expect(back.toBase64()).toBe(dense.toBase64());
    expect(back.estimate()).toBe(dense.estimate());
  });

  it('encodes what it holds now, after adds, merges and the switch to dense', () => {
    const h = sketchOf(range('u', 0, 10));
    const steps: (() => void)[] = [
      () => h.add('u10'),
      () => h.merge(sketchOf(range('v', 0, 5))),
      () => h.merge(sketchOf(range('w', 0, HLL_SPARSE_LIMIT))), // now dense
      () => h.add('x'),
      () => h.merge(new HyperLogLog(v1Bytes(['old']))), // folded to p = 11
    ];
    for (const step of steps) {
      const before = h.toBase64();
      step();
      expect(h.toBase64()).not.toBe(before);
      expect(h.toBase64()).toBe(base64(h.toBytes()));
      expect(HyperLogLog.fromBase64(h.toBase64()).estimate()).toBe(h.estimate());
    }
  });

  it('reads version 1 (2,048 registers) as a dense sketch at p = 11, estimated as before', () => {
    const ids = range('old-', 0, 3000);
    const old = new HyperLogLog(v1Bytes(ids));
    expect(old.mode()).toBe('estimate');
    expect(old.precision()).toBe(HLL_V1_PRECISION);
    expect(old.standardError()).toBeCloseTo(0.02298, 4);
    expect(Math.abs(old.estimate() - 3000)).toBeLessThan(4 * 0.023 * 3000);
    // Re-encoded as version 2 at p = 11, and read back the same.
    const again = HyperLogLog.fromBase64(old.toBase64());
    expect(again.toBytes()).toHaveLength(3 + 1280);
    expect(again.estimate()).toBe(old.estimate());
  });

  it('merges version 1 with version 2 at p = 11, either way round: the old sketch of the union', () => {
    // A window restored from an old changelog, or a console merging old and new partials.
    const oldIds = range('u', 0, 2000);
    for (const newIds of [range('u', 1500, 40_000), range('u', 1500, 1600)]) {
      const expected = base64(new HyperLogLog(v1Bytes([...oldIds, ...newIds])).toBytes());
      const a = new HyperLogLog(v1Bytes(oldIds));
      a.merge(sketchOf(newIds));
      const b = sketchOf(newIds); // dense, then sparse
      b.merge(new HyperLogLog(v1Bytes(oldIds)));
      for (const s of [a, b]) {
        expect(s.precision()).toBe(HLL_V1_PRECISION);
        expect(base64(s.toBytes())).toBe(expected);
      }
    }
  });

  it('refuses bytes that are not a sketch, saying why', () => {
    expect(HyperLogLog.fromBytes(new Uint8Array([0]))).toEqual({
      ok: false,
      reason: 'unknown format (1 bytes)',
    });
    expect(HyperLogLog.fromBytes(new Uint8Array([2, 0, 1]))).toMatchObject({ ok: false });
    expect(HyperLogLog.fromBytes(new Uint8Array([2, 0, 0, 0, 0, 2, 0, 0, 0, 1]))).toMatchObject({
      ok: false,
      reason: 'sparse hashes not ascending',
    });
    expect(HyperLogLog.fromBytes(new Uint8Array([2, 1, 12, 0]))).toMatchObject({ ok: false });
    expect(HyperLogLog.fromBytes(new Uint8Array(2048).fill(40))).toMatchObject({ ok: false });
    expect(() => new HyperLogLog(new Uint8Array(10))).toThrow(/unreadable unique-users sketch/);
    expect(HyperLogLog.fromBytes(new HyperLogLog().toBytes())).toMatchObject({ ok: true });
  });

  it('hashes deterministically and spreads nearby ids', () => {
    expect(hashUserId('u1')).toBe(hashUserId('u1'));
    expect(hashUserId('u1')).not.toBe(hashUserId('u2'));
  });
});
