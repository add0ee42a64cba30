import { describe, expect, it } from 'vitest';
import { createLagTracker, type LagSnapshot } from './lag-tracker.ts';

const snap = (atS: number, end: number, committed: number, members = 1): LagSnapshot => ({
  atMs: atS * 1000,
  endOffsets: [
    { topic: 'events.raw', partition: 0, offset: end },
    { topic: 'events.dlq', partition: 0, offset: Math.floor(end / 100) },
  ],
  groups: [
    {
      groupId: 'g',
      members,
      committed: [{ topic: 'events.raw', partition: 0, offset: committed }],
    },
  ],
});

describe('createLagTracker', () => {
  it('follows a consumer that stops and comes back: lag, time lag, status, drain', () => {
    const tracker = createLagTracker({ windowSize: 5 });
    // 100 records/s; the consumer keeps up for 10 s, then leaves for 20 s.
    for (let s = 0; s <= 10; s++) tracker.observe(snap(s, s * 100, s * 100));
    let report = tracker.observe(snap(11, 1100, 1000, 0));
    for (let s = 12; s <= 30; s++) report = tracker.observe(snap(s, s * 100, 1000, 0));
    const stopped = report.groups[0]?.partitions[0];
    expect(report.groups[0]?.status).toBe('STOP');
    expect(stopped).toMatchObject({ offsetLag: 2000, timeLagEstimated: false, status: 'STOP' });
    // Offset 1000 was the end at t = 10 s; now is 30 s.
    expect(stopped?.timeLagS).toBeCloseTo(20, 6);
    expect(stopped?.timeToDrainS).toBe(Number.POSITIVE_INFINITY);

    // Back, consuming 500/s against 100/s produced.
    let committed = 1000;
    for (let s = 31; s <= 36; s++) {
      committed = Math.min(s * 100, committed + 500);
      report = tracker.observe(snap(s, s * 100, committed, 1));
    }
    const caught = report.groups[0]?.partitions[0];
    expect(caught).toMatchObject({ offsetLag: 0, timeLagS: 0, status: 'OK', timeToDrainS: 0 });
  });

  it('gives a steady drain estimate for a group that keeps pace with a small, jittery lag', () => {
    const tracker = createLagTracker();
    const drains: (number | null)[] = [];
    // 200 records/s; at each 10 s poll the consumer trails by 0 to 240 records.
    for (let s = 0; s <= 600; s += 10) {
      const end = s * 200;
      const report = tracker.observe(snap(s, end, end - ((s * 37) % 250)));
      const p = report.groups[0]?.partitions[0];
      if (s >= 100 && p && p.offsetLag > 0) drains.push(p.timeToDrainS);
    }
    expect(drains.length).toBeGreaterThan(40);
    for (const d of drains) {
      expect(d).not.toBeNull();
      expect(d as number).toBeLessThan(2);
    }
  });

  it('extrapolates (and says so) beyond the table', () => {
    const tracker = createLagTracker({ tableCapacity: 5 });
    let report = tracker.observe(snap(0, 0, 0));
    for (let s = 1; s <= 20; s++) report = tracker.observe(snap(s, s * 100, 0, 1));
    expect(report.groups[0]?.partitions[0]).toMatchObject({ timeLagEstimated: true });
    expect(report.groups[0]?.partitions[0]?.timeLagS).toBeCloseTo(20, 6);
  });

  it('reports per-topic throughput from end-offset deltas', () => {
    const tracker = createLagTracker();
    expect(tracker.observe(snap(0, 0, 0)).topics).toEqual([
      { topic: 'events.dlq', endOffset: 0, recordsSinceLast: null, perSecond: null },
      { topic: 'events.raw', endOffset: 0, recordsSinceLast: null, perSecond: null },
    ]);
    const r = tracker.observe(snap(10, 5000, 5000));
    expect(r.topics).toEqual([
      { topic: 'events.dlq', endOffset: 50, recordsSinceLast: 50, perSecond: 5 },
      { topic: 'events.raw', endOffset: 5000, recordsSinceLast: 5000, perSecond: 500 },
    ]);
  });

  it('skips committed partitions it has no end offset for', () => {
    const r = createLagTracker().observe({
      atMs: 0,
      endOffsets: [],
      groups: [{ groupId: 'g', members: 1, committed: [{ topic: 't', partition: 0, offset: 5 }] }],
    });
    expect(r.groups).toEqual([{ group: 'g', members: 1, status: 'OK', partitions: [] }]);
  });

  describe('a partition without a commit', () => {
    const fresh = (atS: number, end: number, members: number, start = 0): LagSnapshot => ({
      atMs: atS * 1000,
      endOffsets: [
        { topic: 't', partition: 0, offset: end },
        { topic: 't', partition: 1, offset: end },
      ],
      startOffsets: [
        { topic: 't', partition: 0, offset: start },
        { topic: 't', partition: 1, offset: start },
      ],
      groups: [
        {
          groupId: 'g',
          members,
          committed: [{ topic: 't', partition: 1, offset: end }],
          uncommitted: [
            { topic: 't', partition: 0 },
            // Listed both ways (assigned, and committed meanwhile): the commit wins.
            { topic: 't', partition: 1 },
          ],
        },
      ],
    });

    it('lags from the log start, marked as no commit', () => {
      const r = createLagTracker().observe(fresh(0, 120, 1, 20));
      expect(r.groups[0]?.partitions).toMatchObject([
        { partition: 0, committedOffset: null, logStartOffset: 20, endOffset: 120, offsetLag: 100 },
        { partition: 1, committedOffset: 120, logStartOffset: 20, offsetLag: 0, status: 'OK' },
      ]);
      expect(r.groups[0]?.partitions[0]?.statusReason).toBe('nothing committed yet');
    });

    it('is STALL once a full window passed with members and nothing committed', () => {
      const tracker = createLagTracker({ windowSize: 3 });
      let r = tracker.observe(fresh(0, 50, 1));
      for (let s = 1; s <= 3; s++) r = tracker.observe(fresh(s, 50 + s * 10, 1));
      const p = r.groups[0]?.partitions[0];
      expect(p).toMatchObject({ committedOffset: null, offsetLag: 80, status: 'STALL' });
      expect(p?.statusReason).toBe(
        'consumer present but nothing committed (lag from log start 0 for 2 s)',
      );
      // The position is the log start, which the table has seen as the end at t = 0 (offset 50
      // there): older than the table, so the time lag is extrapolated back along its slope.
      expect(p?.timeLagEstimated).toBe(true);
      expect(p?.timeLagS).toBeCloseTo(8, 6);
    });

    it('is STOP without members', () => {
      const p = createLagTracker().observe(fresh(0, 5, 0)).groups[0]?.partitions[0];
      expect(p).toMatchObject({ offsetLag: 5, status: 'STOP' });
      expect(p?.statusReason).toBe(
        'lag from log start, nothing committed and no consumer in the group',
      );
    });

    it('is REWIND when a commit is removed', () => {
      const tracker = createLagTracker();
      const committed = (atS: number, offset: number | null): LagSnapshot => ({
        atMs: atS * 1000,
        endOffsets: [{ topic: 't', partition: 0, offset: 100 }],
        startOffsets: [{ topic: 't', partition: 0, offset: 10 }],
        groups: [
          {
            groupId: 'g',
            members: 1,
            committed: offset === null ? [] : [{ topic: 't', partition: 0, offset }],
            uncommitted: offset === null ? [{ topic: 't', partition: 0 }] : [],
          },
        ],
      });
      tracker.observe(committed(0, 60));
      const p = tracker.observe(committed(1, null)).groups[0]?.partitions[0];
      expect(p).toMatchObject({ committedOffset: null, offsetLag: 90, status: 'REWIND' });
      expect(p?.statusReason).toBe('committed offset removed (was 60; lag now from log start 10)');
    });

    it('is left out when its log start is unknown', () => {
      const snap = fresh(0, 10, 1);
      const r = createLagTracker().observe({ ...snap, startOffsets: [] });
      expect(r.groups[0]?.partitions.map((p) => p.partition)).toEqual([1]);
    });
  });
});
