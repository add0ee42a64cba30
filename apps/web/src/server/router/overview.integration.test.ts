import { lagSamples, windowAggregates } from '@sluice/db';
import type { KafkaAdminReader } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

// A stand-in broker whose events.raw grows by 500 records between two polls.
let rawTotal = 1000;
const kafka: KafkaAdminReader = {
  endOffsets: async (topic) => {
    if (topic === 'events.late') throw new Error('Broker: Unknown topic or partition');
    return [{ partition: 0, offset: topic === 'events.raw' ? rawTotal : 0 }];
  },
  committedOffsets: async () => [],
  listGroups: async () => [],
  describeGroup: async (groupId) => ({ groupId, state: 'Empty', members: [] }),
};

let h: RouterHarness;
const now = new Date('2026-03-01T10:30:00Z');
beforeAll(async () => {
  h = await createRouterHarness(kafka);
  const s = { topic: 'events.raw', endOffset: 100, timeLagEstimated: false };
  await h.db.insert(lagSamples).values([
    {
      ...s,
      sampledAt: new Date('2026-03-01T10:29:00Z'),
      groupId: 'enrichment-workers',
      partition: 0,
      offsetLag: 99,
      status: 'OK',
    },
    {
      ...s,
      sampledAt: new Date('2026-03-01T10:29:30Z'),
      groupId: 'enrichment-workers',
      partition: 0,
      offsetLag: 5,
      timeLagS: 1.5,
      status: 'OK',
    },
    {
      ...s,
      sampledAt: new Date('2026-03-01T10:29:30Z'),
      groupId: 'enrichment-workers',
      partition: 1,
      offsetLag: 7,
      timeLagS: 4,
      status: 'WARN',
    },
    // A group last sampled 20 minutes ago has gone: it is not on the overview.
    {
      ...s,
      sampledAt: new Date('2026-03-01T10:10:00Z'),
      groupId: 'gone-workers',
      partition: 0,
      offsetLag: 3,
      status: 'STOP',
    },
  ]);
  await h.db.insert(windowAggregates).values([
    {
      windowStart: new Date('2026-03-01T10:10:00Z'),
      windowSize: '1m',
      type: 'pageview',
      sourcePartition: 0,
      count: 4,
      lateAccepted: 2,
      lateDropped: 1,
      uniqueUsersSketch: Buffer.from([0]),
      uniqueUsersEstimate: 1,
    },
  ]);
});
afterAll(() => h.close());

describe('overview.summary', () => {
  it('reports lag from the latest samples, late counts, and no invented numbers', async () => {
    let t = now.getTime();
    const caller = h.as(
      { id: 'v', email: 'v@example.test', name: 'v', role: 'viewer' },
      () => new Date(t),
    );
    const first = await caller.overview.summary();
    expect(first.lag).toEqual([
      {
        groupId: 'enrichment-workers',
        sampledAt: '2026-03-01T10:29:30.000Z',
        offsetLag: 12,
        maxTimeLagS: 4,
        status: 'WARN',
      },
    ]);
    expect(first.lateLastHour).toEqual({ accepted: 2, dropped: 1 });
    // The first poll has nothing to compare with.
    expect(first.kafka.ok && first.kafka.stages[0]?.perSecond).toBeNull();

    rawTotal += 500;
    t += 5000;
    const second = await caller.overview.summary();
    if (!second.kafka.ok) throw new Error('kafka stand-in failed');
    expect(second.kafka.stages.find((s) => s.topic === 'events.raw')?.perSecond).toBe(100);
    expect(second.kafka.latePerSecond).toBeNull();
  });

  it('reports an unreachable broker as an error, with the database parts still served', async () => {
    const down = await createRouterHarness();
    try {
      const r = await down.viewer.overview.summary();
      expect(r.kafka).toEqual({ ok: false, error: 'broker down' });
      expect(r.lag).toEqual([]);
      expect(r.lateLastHour).toBeNull();
    } finally {
      await down.close();
    }
  });
});
