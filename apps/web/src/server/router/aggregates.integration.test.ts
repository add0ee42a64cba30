import { HLL_STANDARD_ERROR, HyperLogLog, parseWindowSizes } from '@sluice/core';
import { windowAggregates } from '@sluice/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';
import { MERGED_WINDOWS } from './aggregates.ts';

/** A partition's sketch of users `user-{from}` .. `user-{to - 1}`, as the aggregator builds it. */
function users(from: number, to: number) {
  const h = new HyperLogLog();
  for (let i = from; i < to; i++) h.add(`user-${i}`);
  return {
    uniqueUsersSketch: Buffer.from(h.toBytes()),
    uniqueUsersEstimate: Math.round(h.estimate()),
  };
}

// The 10:00 pageview window's three partitions: users 0-699, 500-1999 and 1900-2299 overlap,
// so the window saw 2,300 distinct users while the largest partition saw 1,500.
const PAGEVIEW_PARTS = [users(0, 700), users(500, 2000), users(1900, 2300)];
const PAGEVIEW_UNION = 2300;

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
  const base = { windowSize: '1m', dimensions: '', ...users(0, 1) };
  const t0 = new Date('2026-03-01T10:00:00Z');
  const t1 = new Date('2026-03-01T10:01:00Z');
  await h.db.insert(windowAggregates).values([
    // One window's pageviews split over three source partitions.
    {
      ...base,
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 0,
      count: 10,
      lateAccepted: 1,
      lateDropped: 0,
      ...PAGEVIEW_PARTS[0],
    },
    {
      ...base,
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 1,
      count: 20,
      lateAccepted: 0,
      lateDropped: 2,
      ...PAGEVIEW_PARTS[1],
    },
    {
      ...base,
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 5,
      count: 5,
      lateAccepted: 0,
      lateDropped: 0,
      ...PAGEVIEW_PARTS[2],
    },
    {
      ...base,
      windowStart: t0,
      type: 'click',
      sourcePartition: 0,
      count: 3,
      ...users(0, 3),
    },
    {
      ...base,
      windowStart: t1,
      type: 'pageview',
      sourcePartition: 2,
      count: 8,
      ...users(10, 16),
    },
    // Another window size and a window outside the range must not leak in.
    {
      ...base,
      windowSize: '5m',
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 0,
      count: 999,
    },
    {
      ...base,
      windowStart: new Date('2026-03-01T12:00:00Z'),
      type: 'pageview',
      sourcePartition: 0,
      count: 777,
    },
  ]);
});
afterAll(() => h.close());

const range = { from: '2026-03-01T10:00:00Z', to: '2026-03-01T11:00:00Z' };

describe('aggregates.windows', () => {
  it('adds counts across source partitions', async () => {
    const r = await h.viewer.aggregates.windows({ size: '1m', ...range });
    expect(
      r.windows.map(
        ({ uniqueUsers: _u, uniqueUsersMode: _m, uniqueUsersStandardError: _e, ...w }) => w,
      ),
    ).toEqual([
      {
        windowStart: '2026-03-01T10:00:00.000Z',
        type: 'click',
        count: 3,
        lateAccepted: 0,
        lateDropped: 0,
        partitions: 1,
      },
      {
        windowStart: '2026-03-01T10:00:00.000Z',
        type: 'pageview',
        count: 35,
        lateAccepted: 1,
        lateDropped: 2,
        partitions: 3,
      },
      {
        windowStart: '2026-03-01T10:01:00.000Z',
        type: 'pageview',
        count: 8,
        lateAccepted: 0,
        lateDropped: 0,
        partitions: 1,
      },
    ]);
    expect(r.types).toEqual(['click', 'pageview']);
  });

  it("merges the stored sketches of a window: the union of its partitions' users", async () => {
    const r = await h.viewer.aggregates.windows({ size: '1m', ...range });
    const pageviews = r.windows.find(
      (w) => w.type === 'pageview' && w.windowStart === '2026-03-01T10:00:00.000Z',
    );
    // The same merge, done here from the sketches as they are stored.
    const w = windowAggregates;
    const stored = await h.db
      .select({ sketch: w.uniqueUsersSketch })
      .from(w)
      .where(
        and(
          eq(w.windowStart, new Date('2026-03-01T10:00:00Z')),
          eq(w.windowSize, '1m'),
          eq(w.type, 'pageview'),
        ),
      );
    expect(stored).toHaveLength(3);
    const union = new HyperLogLog();
    for (const row of stored) union.merge(new HyperLogLog(new Uint8Array(row.sketch)));
    expect(pageviews?.uniqueUsers).toBe(Math.round(union.estimate()));
    const estimate = pageviews?.uniqueUsers ?? 0;
    expect(Math.abs(estimate - PAGEVIEW_UNION)).toBeLessThan(
      3 * HLL_STANDARD_ERROR * PAGEVIEW_UNION,
    );
    // Not the old lower bound (largest partition), not the sum of the partitions.
    const perPartition = PAGEVIEW_PARTS.map((p) => p.uniqueUsersEstimate);
    expect(estimate).not.toBe(Math.max(...perPartition));
    expect(estimate).toBeGreaterThan(Math.max(...perPartition) * 1.2);
    expect(estimate).toBeLessThan(perPartition.reduce((a, b) => a + b, 0) * 0.9);
    expect(r.uniqueUsersStandardError).toBeCloseTo(0.0081, 4);
    // 2,300 users fit the sketches' exact (sparse) mode: the console shows no ± for them.
    expect(pageviews).toMatchObject({
      uniqueUsers: PAGEVIEW_UNION,
      uniqueUsersMode: 'exact',
      uniqueUsersStandardError: 0,
    });
    // A single-partition window is that partition's own estimate.
    expect(r.windows.find((w) => w.type === 'click')?.uniqueUsers).toBe(
      users(0, 3).uniqueUsersEstimate,
    );
  });

  it('adds late-drop corrections to their windows, and counts no partition, user or event for them', async () => {
    const t = (min: number) => new Date(Date.UTC(2026, 3, 1, 10, min));
    const row = (min: number, sourcePartition: number, correction: number, over = {}) => ({
      windowStart: t(min),
      windowSize: '1m',
      dimensions: '',
      type: 'pageview',
      sourcePartition,
      correction,
      count: 0,
      lateAccepted: 0,
      lateDropped: 0,
      ...users(0, 0),
      ...over,
    });
    // The writers store a correction with the empty sketch; these carry users that no partial
    // has, so a reader that merged a correction's sketch would count them.
    const stray = users(9000, 9050);
    await h.db.insert(windowAggregates).values([
      row(0, 0, 0, { count: 10, lateDropped: 1, ...users(0, 10) }),
      row(0, 1, 0, { count: 4, ...users(5, 12) }),
      row(0, 1, 1, { lateDropped: 6, ...stray }),
      row(0, 1, 2, { lateDropped: 2, ...stray }),
      // From a partition that emitted no partial of this window.
      row(0, 3, 1, { lateDropped: 5, ...stray }),
      // A window of which every event came past retention: corrections only.
      row(1, 2, 4, { lateDropped: 3, ...stray }),
    ]);
    const r = await h.viewer.aggregates.windows({
      size: '1m',
      from: t(0).toISOString(),
      to: t(2).toISOString(),
    });
    expect(
      r.windows.map((w) => [
        w.windowStart,
        w.count,
        w.lateDropped,
        w.partitions,
        w.uniqueUsers,
        w.uniqueUsersMode,
      ]),
    ).toEqual([
      ['2026-04-01T10:00:00.000Z', 14, 1 + 6 + 2 + 5, 2, 12, 'exact'],
      ['2026-04-01T10:01:00.000Z', 0, 3, 0, 0, 'exact'],
    ]);
    // The corrections-only window had no sketch to merge.
    expect(r.mergedWindows).toBe(1);
  });

  it('merges only the newest windows, and says which', async () => {
    const start = Date.parse('2026-02-01T00:00:00Z');
    const extra = MERGED_WINDOWS + 5;
    await h.db.insert(windowAggregates).values(
      Array.from({ length: extra }, (_, i) => ({
        windowStart: new Date(start + i * 3600_000),
        windowSize: '1h',
        dimensions: '',
        type: 'budget',
        sourcePartition: 0,
        count: 1,
        ...users(i, i + 2),
      })),
    );
    const r = await h.viewer.aggregates.windows({
      size: '1h',
      from: '2026-02-01T00:00:00Z',
      to: new Date(start + extra * 3600_000).toISOString(),
      types: ['budget'],
    });
    expect(r.windows).toHaveLength(extra);
    expect(r.mergedWindows).toBe(MERGED_WINDOWS);
    expect(r.windows.slice(0, 5).map((w) => w.uniqueUsers)).toEqual([null, null, null, null, null]);
    expect(r.windows.slice(5).every((w) => w.uniqueUsers === 2)).toBe(true);
  });

  it('filters by window size and by type', async () => {
    const five = await h.viewer.aggregates.windows({ size: '5m', ...range });
    expect(five.windows.map((w) => w.count)).toEqual([999]);
    const clicks = await h.viewer.aggregates.windows({ size: '1m', ...range, types: ['click'] });
    expect(clicks.windows.map((w) => [w.type, w.count])).toEqual([['click', 3]]);
  });

  it('rejects a range too wide for the window size', async () => {
    await expect(
      h.viewer.aggregates.windows({
        size: '1m',
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('aggregates with configured window sizes', () => {
  it('offers and accepts the sizes of AGG_WINDOWS, and no others', async () => {
    const parsed = parseWindowSizes('15m,1m');
    if (!parsed.ok) throw new Error(parsed.message);
    const custom = await createRouterHarness(undefined, {
      pipeline: { windowSizes: parsed.sizes },
    });
    try {
      await custom.db.insert(windowAggregates).values({
        windowStart: new Date('2026-03-01T10:00:00Z'),
        windowSize: '15m',
        dimensions: '',
        type: 'pageview',
        sourcePartition: 0,
        count: 15,
        ...users(0, 2),
      });
      expect(await custom.viewer.aggregates.sizes()).toEqual([
        { name: '1m', ms: 60_000, maxRangeMs: 2160 * 60_000 },
        { name: '15m', ms: 900_000, maxRangeMs: 2160 * 900_000 },
      ]);
      const r = await custom.viewer.aggregates.windows({ size: '15m', ...range });
      expect(r.windows.map((w) => [w.type, w.count])).toEqual([['pageview', 15]]);
      await expect(
        custom.viewer.aggregates.windows({ size: '5m', ...range }),
      ).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: "window size '5m' is not one of the configured sizes (1m, 15m)",
      });
    } finally {
      await custom.close();
    }
  });
});
