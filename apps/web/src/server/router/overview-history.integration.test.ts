import { realtimeKeys, stageCountBucket } from '@sluice/core';
import { lagSamples } from '@sluice/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const NOW = Date.parse('2026-03-01T10:30:00Z');
const viewer = { id: 'v', email: 'v@example.test', name: 'v', role: 'viewer' };

// Polls every 10 s, 12 partitions per topic; the monitor was down between 10:25:20 and 10:28:00.
const POLLS = [-330, -320, -310, -300, -290, -280, -120, -110, -100].map((s) => NOW + s * 1000);
// events.raw grows by 1,200 records per 10 s (120/s), events.enriched by 600 (60/s).
const RAW_PER_POLL = 1200;
const ENRICHED_PER_POLL = 600;

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
  const rows = POLLS.flatMap((at, i) => {
    // Time since the first poll decides the offsets, so the hole does not look like a stall.
    const n = (at - (POLLS[0] as number)) / 10_000;
    const row = (groupId: string, topic: string, perPoll: number, lag: number, p: number) => ({
      sampledAt: new Date(at),
      groupId,
      topic,
      partition: p,
      endOffset: (n * perPoll) / 12,
      committedOffset: (n * perPoll) / 12 - lag,
      offsetLag: lag,
      status: 'OK',
    });
    return Array.from({ length: 12 }, (_, p) => [
      row('enrichment-workers', 'events.raw', RAW_PER_POLL, 10 + i, p),
      row('storage-writers', 'events.enriched', ENRICHED_PER_POLL, 2, p),
      // Only half of aggregation-workers' partitions have commits: it must not halve the rate.
      ...(p < 6 ? [row('aggregation-workers', 'events.enriched', ENRICHED_PER_POLL, 1, p)] : []),
      // A suite's own group and topic are not the pipeline's.
      row('it-x.enrichment-workers', 'it-x.events.raw', 120_000, 5, p),
    ]).flat();
  });
  await h.db.insert(lagSamples).values(rows);
  // The stages' counters for 10:28:00-10:29:00: enrichment took in 60/s, storage 30/s with
  // 1 record a second to the DLQ; aggregation did not run.
  const at = (s: number) => stageCountBucket(NOW - 120_000 + s * 1000);
  const multi = h.redis.multi();
  for (const s of [0, 10, 20, 30, 40, 50]) {
    multi.set(realtimeKeys.stageCount(h.redisPrefix, 'enrichment', 'in', at(s)), 600);
    multi.set(realtimeKeys.stageCount(h.redisPrefix, 'storage', 'in', at(s)), 300);
    multi.set(realtimeKeys.stageCount(h.redisPrefix, 'storage', 'dlq', at(s)), 10);
  }
  await multi.exec();
});
afterAll(() => h.close());

describe('overview.history', () => {
  it("charts ingest from events.raw's end offsets, with the hole as a gap", async () => {
    const r = await h.as(viewer, () => new Date(NOW)).overview.history({ minutes: 60 });
    expect(r.throughput.series.map((s) => s.key)).toEqual([
      'events.raw',
      'enrichment',
      'aggregation',
      'storage',
      'dlq',
    ]);
    expect(r.throughput.unsampled).toEqual([]);
    const raw = r.throughput.rows.filter((row) => 'events.raw' in row);
    expect(raw.map((row) => row['events.raw'])).toEqual([120, 120, 120, 120, 120, null, 120, 120]);
    // The gap sits inside the hole, between the last poll before it and the first after it.
    const gap = raw[5]?.t as number;
    expect(gap).toBeGreaterThan(POLLS[5] as number);
    expect(gap).toBeLessThan(POLLS[6] as number);
    // Transactional topics' end offsets (events.enriched here) are not charted as a rate.
    expect(r.throughput.rows.some((row) => 'events.enriched' in row)).toBe(false);
  });

  it('charts each stage from its counters in 30 s points, a stage that did not run as gaps', async () => {
    const r = await h.as(viewer, () => new Date(NOW)).overview.history({ minutes: 60 });
    const values = (key: string) =>
      r.throughput.rows.filter((row) => row[key] !== undefined && row[key] !== null);
    const points = (key: string) => values(key).map((row) => [row.t, row[key]]);
    const t = (s: number) => NOW - 120_000 + s * 1000;
    expect(points('enrichment')).toEqual([
      [t(30), 60],
      [t(60), 60],
    ]);
    expect(points('storage')).toEqual([
      [t(30), 30],
      [t(60), 30],
    ]);
    expect(points('dlq')).toEqual([
      [t(30), 1],
      [t(60), 1],
    ]);
    expect(values('aggregation')).toEqual([]);
    expect(r.throughput.countsError).toBeNull();
  });

  it('charts offset lag per pipeline group over time, with a gap in the hole', async () => {
    const r = await h.as(viewer, () => new Date(NOW)).overview.history({ minutes: 60 });
    expect(r.lag.series).toEqual(['aggregation-workers', 'enrichment-workers', 'storage-writers']);
    const enrichment = r.lag.rows
      .filter((row) => 'enrichment-workers' in row)
      .map((row) => row['enrichment-workers']);
    // 12 partitions × (10 + poll index), and one null for the hole.
    expect(enrichment).toEqual([120, 132, 144, 156, 168, 180, null, 192, 204, 216]);
  });

  it('keeps to the asked window and bounds it', async () => {
    const r = await h.as(viewer, () => new Date(NOW)).overview.history({ minutes: 5 });
    expect(r.lag.rows.length).toBeLessThan(10);
    await expect(h.viewer.overview.history({ minutes: 100_000 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
