import { windowAggregates } from '@sluice/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
  const base = {
    windowSize: '1m',
    dimensions: '',
    uniqueUsersSketch: Buffer.from([0]),
  };
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
      uniqueUsersEstimate: 7,
    },
    {
      ...base,
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 1,
      count: 20,
      lateAccepted: 0,
      lateDropped: 2,
      uniqueUsersEstimate: 15,
    },
    {
      ...base,
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 5,
      count: 5,
      lateAccepted: 0,
      lateDropped: 0,
      uniqueUsersEstimate: 4,
    },
    {
      ...base,
      windowStart: t0,
      type: 'click',
      sourcePartition: 0,
      count: 3,
      uniqueUsersEstimate: 3,
    },
    {
      ...base,
      windowStart: t1,
      type: 'pageview',
      sourcePartition: 2,
      count: 8,
      uniqueUsersEstimate: 6,
    },
    // Another window size and a window outside the range must not leak in.
    {
      ...base,
      windowSize: '5m',
      windowStart: t0,
      type: 'pageview',
      sourcePartition: 0,
      count: 999,
      uniqueUsersEstimate: 1,
    },
    {
      ...base,
      windowStart: new Date('2026-03-01T12:00:00Z'),
      type: 'pageview',
      sourcePartition: 0,
      count: 777,
      uniqueUsersEstimate: 1,
    },
  ]);
});
afterAll(() => h.close());

const range = { from: '2026-03-01T10:00:00Z', to: '2026-03-01T11:00:00Z' };

describe('aggregates.windows', () => {
  it('merges partial rows across source partitions', async () => {
    const r = await h.viewer.aggregates.windows({ size: '1m', ...range });
    expect(r.windows).toEqual([
      {
        windowStart: '2026-03-01T10:00:00.000Z',
        type: 'click',
        count: 3,
        lateAccepted: 0,
        lateDropped: 0,
        uniqueUsersLowerBound: 3,
        partitions: 1,
      },
      // Counts add up (10+20+5); unique users take the largest partition's estimate, not the sum.
      {
        windowStart: '2026-03-01T10:00:00.000Z',
        type: 'pageview',
        count: 35,
        lateAccepted: 1,
        lateDropped: 2,
        uniqueUsersLowerBound: 15,
        partitions: 3,
      },
      {
        windowStart: '2026-03-01T10:01:00.000Z',
        type: 'pageview',
        count: 8,
        lateAccepted: 0,
        lateDropped: 0,
        uniqueUsersLowerBound: 6,
        partitions: 1,
      },
    ]);
    expect(r.types).toEqual(['click', 'pageview']);
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
