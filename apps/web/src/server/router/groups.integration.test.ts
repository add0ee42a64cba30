// Consumer groups: the pipeline's groups under the configured prefix, each partition's status
// with the reason `sluice lag` gives (from the lag monitor's samples), and the time to drain; a
// group that has committed nothing shows its assigned partitions as "no commit", with lag from
// the log start the monitor sampled.
import { createLagTracker } from '@sluice/core';
import { lagSamples } from '@sluice/db';
import type { KafkaAdminReader } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const GROUP = 'blue.storage-writers';
const TOPIC = 'blue.events.enriched';
const T0 = Date.parse('2026-03-01T10:00:00Z');
const POLLS = 12;

// Partition 0 is stuck at offset 300 while its log grows 50 per poll; partition 1 keeps pace.
const end = (p: number, i: number) => (p === 0 ? 300 + 50 * i : 1000 + 2000 * i);
const committed = (p: number, i: number) => (p === 0 ? 300 : end(1, i) - 40);

// A group that has committed nothing: partition 0 assigned and not listed, partition 1 listed
// with -1; partition 2 assigned too but never sampled by the monitor. Its topic's log starts at
// 20 (records below were deleted) and ends at 120 now, at 100 when the monitor last sampled it.
const FRESH = 'blue.fresh';
const FRESH_TOPIC = 'blue.fresh-topic';
const FRESH_START = 20;

const kafka: KafkaAdminReader = {
  endOffsets: async (topic) =>
    topic === FRESH_TOPIC
      ? [0, 1, 2].map((p) => ({ partition: p, offset: 120 }))
      : [0, 1].map((p) => ({ partition: p, offset: end(p, POLLS - 1) })),
  committedOffsets: async (groupId) =>
    groupId === FRESH
      ? [{ topic: FRESH_TOPIC, partitions: [{ partition: 1, offset: -1 }] }]
      : [
          {
            topic: TOPIC,
            partitions: [0, 1].map((p) => ({ partition: p, offset: committed(p, POLLS - 1) })),
          },
        ],
  listGroups: async () => [
    { groupId: GROUP, state: 'Stable' },
    { groupId: 'someone-else', state: 'Empty' },
  ],
  describeGroup: async (groupId) => ({
    groupId,
    state: 'Stable',
    members: [
      {
        memberId: 'm-1',
        clientId: 'sluice',
        host: '/10.0.0.1',
        assignment:
          groupId === FRESH ? [0, 2].map((partition) => ({ topic: FRESH_TOPIC, partition })) : [],
      },
    ],
  }),
};

let h: RouterHarness;
/** What `sluice lag` says of each partition after the same polls (the lag tracker it runs). */
const cli = new Map<number, { status: string; reason: string }>();

beforeAll(async () => {
  h = await createRouterHarness(kafka, { pipeline: { topicPrefix: 'blue.' } });
  const tracker = createLagTracker();
  const rows = [];
  for (let i = 0; i < POLLS; i++) {
    const report = tracker.observe({
      atMs: T0 + i * 10_000,
      endOffsets: [0, 1].map((p) => ({ topic: TOPIC, partition: p, offset: end(p, i) })),
      groups: [
        {
          groupId: GROUP,
          members: 1,
          committed: [0, 1].map((p) => ({ topic: TOPIC, partition: p, offset: committed(p, i) })),
        },
      ],
    });
    // Rows as the monitor's insertLagSamples writes them.
    for (const p of report.groups[0]?.partitions ?? []) {
      rows.push({
        sampledAt: new Date(report.atMs),
        groupId: p.group,
        topic: p.topic,
        partition: p.partition,
        committedOffset: p.committedOffset,
        endOffset: p.endOffset,
        offsetLag: p.offsetLag,
        timeLagS: p.timeLagS,
        timeLagEstimated: p.timeLagEstimated,
        status: p.status,
      });
      cli.set(p.partition, { status: p.status, reason: p.statusReason });
    }
  }
  // The monitor's samples of the fresh group, as its tracker and insertLagSamples make them.
  const fresh = createLagTracker();
  for (let i = 0; i < 3; i++) {
    const report = fresh.observe({
      atMs: T0 + i * 10_000,
      endOffsets: [0, 1].map((p) => ({ topic: FRESH_TOPIC, partition: p, offset: 100 })),
      startOffsets: [0, 1].map((p) => ({ topic: FRESH_TOPIC, partition: p, offset: FRESH_START })),
      groups: [
        {
          groupId: FRESH,
          members: 1,
          committed: [],
          uncommitted: [0, 1].map((p) => ({ topic: FRESH_TOPIC, partition: p })),
        },
      ],
    });
    for (const p of report.groups[0]?.partitions ?? []) {
      rows.push({
        sampledAt: new Date(report.atMs),
        groupId: p.group,
        topic: p.topic,
        partition: p.partition,
        committedOffset: p.committedOffset,
        endOffset: p.endOffset,
        offsetLag: p.offsetLag,
        timeLagS: p.timeLagS,
        timeLagEstimated: p.timeLagEstimated,
        status: p.status,
      });
    }
  }
  await h.db.insert(lagSamples).values(rows);
});
afterAll(() => h.close());

describe('groups', () => {
  it('lists the configured pipeline groups as such', async () => {
    expect(await h.viewer.groups.list()).toEqual([
      { groupId: 'blue.aggregation-workers', state: 'Not found', pipeline: true },
      { groupId: 'blue.dlq-indexers', state: 'Not found', pipeline: true },
      { groupId: 'blue.enrichment-workers', state: 'Not found', pipeline: true },
      { groupId: GROUP, state: 'Stable', pipeline: true },
      { groupId: 'someone-else', state: 'Empty', pipeline: false },
    ]);
  });

  it('gives a non-OK partition the reason sluice lag gives, and an OK one none', async () => {
    const now = () => new Date(T0 + POLLS * 10_000);
    const r = await h
      .as({ id: 'v', email: 'v@example.test', name: 'v', role: 'viewer' }, now)
      .groups.detail({ groupId: GROUP });
    expect(cli.get(0)).toEqual({
      status: 'STALL',
      reason: 'consumer present but committed offset not moving (at 300 for 90 s)',
    });
    expect(r.partitions.map((p) => [p.partition, p.status, p.reason])).toEqual([
      [0, 'STALL', cli.get(0)?.reason],
      [1, 'OK', null],
    ]);
    // Partition 0 consumes nothing: partition 1 keeping up does not make the group drain.
    expect(r.drain).toMatchObject({ kind: 'not-draining', why: 'stopped' });
  });

  it('shows a group without commits as no commit, lagging from the log start', async () => {
    const r = await h.viewer.groups.detail({ groupId: FRESH });
    expect(
      r.partitions.map((p) => [
        p.partition,
        p.committedOffset,
        p.noCommit,
        p.endOffset,
        p.offsetLag,
      ]),
    ).toEqual([
      // The log start from the monitor's sample (100 − 80), the end live.
      [0, null, true, 120, 120 - FRESH_START],
      [1, null, true, 120, 120 - FRESH_START],
      // Never sampled: no commit, and its log start is not known to the console.
      [2, null, true, 120, null],
    ]);
    expect(r.totalOffsetLag).toBe(2 * (120 - FRESH_START));
  });
});
