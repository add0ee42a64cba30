import type { LagReport } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { chunk, lagMetricData } from './lag-metric-data.ts';

const part = (partition: number, offsetLag: number, timeLagS: number | null) => ({
  group: 'g',
  topic: 'events.raw',
  partition,
  committedOffset: 0,
  endOffset: offsetLag,
  offsetLag,
  timeLagS,
  timeLagEstimated: false,
  status: 'OK' as const,
  statusReason: '',
  timeToDrainS: null,
});

describe('lagMetricData', () => {
  it('publishes max and sum per group and topic, time lag only when known, stage counts', () => {
    const report: LagReport = {
      atMs: 60_000,
      groups: [
        { group: 'g', members: 1, status: 'OK', partitions: [part(0, 5, 2), part(1, 7, null)] },
      ],
      topics: [
        { topic: 'events.dlq', endOffset: 9, recordsSinceLast: 3, perSecond: 0.3 },
        { topic: 'events.raw', endOffset: 99, recordsSinceLast: null, perSecond: null },
        { topic: 'other', endOffset: 9, recordsSinceLast: 3, perSecond: 0.3 },
      ],
    };
    const data = lagMetricData(report).map((d) => [
      d.MetricName,
      d.Value,
      d.Dimensions?.length ?? 0,
    ]);
    expect(data).toEqual([
      ['MaxOffsetLag', 7, 2],
      ['SumOffsetLag', 12, 2],
      ['EstimatedMaxTimeLag', 2, 2],
      ['DlqRecords', 3, 0],
    ]);
  });
});

describe('chunk', () => {
  it('splits into requests of at most 1000', () => {
    const sizes = chunk(Array.from({ length: 2501 }, (_, i) => i)).map((c) => c.length);
    expect(sizes).toEqual([1000, 1000, 501]);
  });
});
