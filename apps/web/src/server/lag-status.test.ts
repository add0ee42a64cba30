import { createLagTracker, type LagSnapshot } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { explainLatest, type SampleRow, sampleWindow, summariseGroups } from './lag-status.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');

/** Polls every 10 s of one partition as the lag monitor writes them. */
function rows(
  group: string,
  partition: number,
  polls: { committed: number; end: number; status: string; timeLagS?: number | null }[],
): SampleRow[] {
  return polls.map((p, i) => ({
    group_id: group,
    topic: 'events.raw',
    partition,
    sampled_at: new Date(T0 + i * 10_000),
    committed_offset: String(p.committed),
    end_offset: String(p.end),
    offset_lag: String(p.end - p.committed),
    time_lag_s: p.timeLagS ?? null,
    status: p.status,
  }));
}

describe('explainLatest', () => {
  it('gives the reason sluice lag gives, from the same window', () => {
    // A consumer stuck at offset 300 while the log grows: the tracker (what `sluice lag` runs)
    // calls it STALL; the console reads the same polls back from lag_samples.
    const tracker = createLagTracker();
    const polls: { committed: number; end: number; status: string }[] = [];
    let reason = '';
    for (let i = 0; i < 12; i++) {
      const snap: LagSnapshot = {
        atMs: T0 + i * 10_000,
        endOffsets: [{ topic: 'events.raw', partition: 0, offset: 300 + i * 50 }],
        groups: [
          {
            groupId: 'g',
            members: 2,
            committed: [{ topic: 'events.raw', partition: 0, offset: 300 }],
          },
        ],
      };
      const p = tracker.observe(snap).groups[0]?.partitions[0];
      if (!p) throw new Error('no partition');
      polls.push({ committed: 300, end: p.endOffset, status: p.status });
      reason = p.statusReason;
    }
    expect(polls.at(-1)?.status).toBe('STALL');
    expect(explainLatest(rows('g', 0, polls), {})).toEqual({ status: 'STALL', reason });
    expect(reason).toBe('consumer present but committed offset not moving (at 300 for 90 s)');
  });

  it('names the threshold a WARN crossed when the console is configured with it', () => {
    const polls = [{ committed: 100, end: 5100, status: 'WARN', timeLagS: 3 }];
    expect(explainLatest(rows('g', 0, polls), { maxOffsetLag: 1000 }).reason).toBe(
      'offset lag 5000 above 1000',
    );
    expect(explainLatest(rows('g', 0, polls), {}).reason).toBe('lag above a configured threshold');
  });

  it('has no reason for OK, and no status for text it does not know', () => {
    expect(explainLatest(rows('g', 0, [{ committed: 5, end: 5, status: 'OK' }]), {})).toEqual({
      status: 'OK',
      reason: null,
    });
    expect(explainLatest(rows('g', 0, [{ committed: 5, end: 9, status: 'LOST' }]), {})).toEqual({
      status: null,
      reason: null,
    });
    expect(explainLatest([], {})).toEqual({ status: null, reason: null });
  });
});

describe('sampleWindow', () => {
  it('keeps the last ten polls, oldest first, and leaves out rows without a lag', () => {
    const list = rows(
      'g',
      0,
      Array.from({ length: 14 }, (_, i) => ({ committed: i, end: i + 1, status: 'OK' })),
    ).reverse();
    (list[0] as SampleRow).committed_offset = null;
    (list[0] as SampleRow).offset_lag = null;
    const w = sampleWindow(list);
    expect(w.map((s) => s.committedOffset)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('positions a no-commit row at the log start its lag was counted from', () => {
    const [row] = rows('g', 0, [{ committed: 0, end: 120, status: 'STALL' }]);
    const w = sampleWindow([{ ...(row as SampleRow), committed_offset: null, offset_lag: '100' }]);
    expect(w).toEqual([
      { atMs: T0, committedOffset: 20, endOffset: 120, offsetLag: 100, noCommit: true },
    ]);
  });
});

describe('a partition without a commit', () => {
  it('gets the reason sluice lag gives, from the rows the monitor wrote', () => {
    // A member that commits nothing while 100 records wait above the log start (20).
    const tracker = createLagTracker();
    const list: SampleRow[] = [];
    let reason = '';
    for (let i = 0; i < 10; i++) {
      const p = tracker.observe({
        atMs: T0 + i * 10_000,
        endOffsets: [{ topic: 'events.raw', partition: 0, offset: 120 }],
        startOffsets: [{ topic: 'events.raw', partition: 0, offset: 20 }],
        groups: [
          {
            groupId: 'g',
            members: 1,
            committed: [],
            uncommitted: [{ topic: 'events.raw', partition: 0 }],
          },
        ],
      }).groups[0]?.partitions[0];
      if (!p) throw new Error('no partition');
      // As insertLagSamples writes it.
      list.push({
        group_id: 'g',
        topic: 'events.raw',
        partition: 0,
        sampled_at: new Date(T0 + i * 10_000),
        committed_offset: p.committedOffset,
        end_offset: String(p.endOffset),
        offset_lag: String(p.offsetLag),
        time_lag_s: p.timeLagS,
        status: p.status,
      });
      reason = p.statusReason;
    }
    expect(explainLatest(list, {})).toEqual({ status: 'STALL', reason });
    expect(reason).toBe('consumer present but nothing committed (lag from log start 20 for 90 s)');
    expect(summariseGroups(list, {})[0]).toMatchObject({
      offsetLag: 100,
      status: 'STALL',
      partitions: 1,
      noCommitPartitions: 1,
    });
  });
});

describe('summariseGroups', () => {
  it('takes the latest poll of each group, the worst status and its first partition', () => {
    const stop = (i: number) => ({ committed: 10, end: 20 + i, status: 'STOP' });
    const summary = summariseGroups(
      [
        ...rows(
          'b',
          0,
          [0, 1, 2].map(() => ({ committed: 5, end: 5, status: 'OK' })),
        ),
        ...rows('b', 1, [0, 1, 2].map(stop)),
        ...rows('b', 2, [0, 1, 2].map(stop)),
        // A partition the group no longer has: its last poll is older than the group's.
        ...rows('b', 3, [{ committed: 1, end: 900, status: 'STALL' }]),
        ...rows('a', 0, [{ committed: 7, end: 7, status: 'OK', timeLagS: 0 }]),
      ],
      {},
    );
    expect(summary).toEqual([
      {
        groupId: 'a',
        sampledAt: '2026-03-01T10:00:00.000Z',
        offsetLag: 0,
        maxTimeLagS: 0,
        status: 'OK',
        reason: null,
        reasonPartition: null,
        statusPartitions: 1,
        partitions: 1,
        noCommitPartitions: 0,
      },
      {
        groupId: 'b',
        sampledAt: '2026-03-01T10:00:20.000Z',
        offsetLag: 24,
        maxTimeLagS: null,
        status: 'STOP',
        reason: 'lag and no consumer in the group',
        reasonPartition: 'events.raw/1',
        statusPartitions: 2,
        partitions: 3,
        noCommitPartitions: 0,
      },
    ]);
  });
});
