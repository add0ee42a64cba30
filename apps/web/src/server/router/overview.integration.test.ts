import { realtimeKeys, stageCountBucket } from '@sluice/core';
import { lagSamples, windowAggregates } from '@sluice/db';
import type { KafkaAdminReader } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtimeReader } from '../realtime-reader.ts';
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
        // These samples carry no committed offsets: nothing in the window tells which threshold.
        reason: 'lag above a configured threshold',
        reasonPartition: 'events.raw/1',
        statusPartitions: 1,
        partitions: 2,
        // A row without a committed offset is a partition without a commit (lag from log start).
        noCommitPartitions: 2,
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
    // No stage counted anything: no late rate is invented.
    expect(second.stages).toMatchObject({ ok: true, latePerSecond: null, dlqPerSecond: null });
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

describe('overview.summary stage rates', () => {
  it('reads records per second per stage from the stage counters, under the configured names', async () => {
    // A pipeline under a prefix: ingest is read from its own events.raw, the stages carry its
    // group names.
    const asked: string[] = [];
    const prefixed = await createRouterHarness(
      {
        ...kafka,
        endOffsets: async (topic) => {
          asked.push(topic);
          return [{ partition: 0, offset: 42 }];
        },
      },
      { pipeline: { topicPrefix: 'blue.' } },
    );
    try {
      const at = Date.parse('2026-03-01T10:30:01Z');
      // What the stages' workers add (apps/worker stage-counters.ts), bucket by bucket, in the
      // core layout: the minute 10:28:50-10:29:50 is complete; 10:29:50 may still get a last
      // flush and 10:30:00 is open: neither is read.
      const put = (stage: string, metric: string, bucketMs: number, n: number) =>
        prefixed.redis.set(
          realtimeKeys.stageCount(prefixed.redisPrefix, stage, metric, stageCountBucket(bucketMs)),
          String(n),
        );
      const minute = Array.from(
        { length: 6 },
        (_, i) => Date.parse('2026-03-01T10:28:50Z') + i * 10_000,
      );
      for (const b of minute) {
        await put('enrichment', 'in', b, 2000);
        await put('enrichment', 'out', b, 1990);
        await put('enrichment', 'dlq', b, 10);
        await put('aggregation', 'in', b, 1990);
        await put('aggregation', 'out', b, 60);
      }
      await put('aggregation', 'late', minute[3] as number, 30);
      for (const partial of ['2026-03-01T10:29:50Z', '2026-03-01T10:30:00Z']) {
        await put('enrichment', 'in', Date.parse(partial), 999_999);
      }

      const r = await prefixed
        .as({ id: 'v', email: 'v@example.test', name: 'v', role: 'viewer' }, () => new Date(at))
        .overview.summary();
      expect(asked).toEqual(['blue.events.raw']);
      expect(r.kafka).toMatchObject({ ok: true, stages: [{ topic: 'blue.events.raw' }] });
      if (!r.stages.ok) throw new Error(r.stages.error);
      expect(r.stages.until).toBe('2026-03-01T10:29:50.000Z');
      expect(r.stages.stages.map((s) => [s.stage, s.group, s.reporting, s.perSecond])).toEqual([
        [
          'enrichment',
          'blue.enrichment-workers',
          true,
          { in: 200, out: 199, dlq: 1, duplicate: 0 },
        ],
        ['aggregation', 'blue.aggregation-workers', true, { in: 199, out: 6, late: 0.5 }],
        ['storage', 'blue.storage-writers', false, { in: null, out: null, dlq: null }],
      ]);
      expect(r.stages.dlqPerSecond).toBe(1);
      expect(r.stages.latePerSecond).toBe(0.5);
    } finally {
      await prefixed.close();
    }
  });

  it('reports Redis being away in the stage rates, with the rest still served', async () => {
    const dead = connectRealtimeReader('redis://127.0.0.1:1', 'unused:');
    const down = await createRouterHarness(kafka, { realtime: dead });
    try {
      const r = await down.viewer.overview.summary();
      expect(r.stages).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^Redis unreachable: /),
      });
      expect(r.kafka.ok).toBe(true);
    } finally {
      await dead.close();
      await down.close();
    }
  });
});
