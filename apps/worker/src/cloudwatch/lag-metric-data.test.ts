import type { LagReport } from '@sluice/core';
import { pipelineNames } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  chunk,
  lagMetricData,
  MAX_DATA_BYTES_PER_REQUEST,
  metricDataRequests,
  stageMetrics,
} from './lag-metric-data.ts';

const part = (
  partition: number,
  offsetLag: number,
  timeLagS: number | null,
  committedOffset: number | null = 0,
) => ({
  group: 'g',
  topic: 'events.raw',
  partition,
  committedOffset,
  logStartOffset: 0,
  endOffset: offsetLag,
  offsetLag,
  timeLagS,
  timeLagEstimated: false,
  status: 'OK' as const,
  statusReason: '',
  timeToDrainS: null,
});

const topics = (raw: string, dlq: string): LagReport['topics'] => [
  { topic: dlq, endOffset: 9, recordsSinceLast: 3, perSecond: 0.3 },
  { topic: raw, endOffset: 99, recordsSinceLast: null, perSecond: null },
  { topic: 'other', endOffset: 9, recordsSinceLast: 3, perSecond: 0.3 },
];

describe('lagMetricData', () => {
  it('publishes max, sum and no-commit count per group and topic, time lag only when known, stage counts', () => {
    const report: LagReport = {
      atMs: 60_000,
      groups: [
        {
          group: 'g',
          members: 1,
          status: 'OK',
          partitions: [part(0, 5, 2), part(1, 7, null), part(2, 40, null, null)],
        },
      ],
      topics: topics('events.raw', 'events.dlq'),
    };
    const data = lagMetricData(report, stageMetrics(pipelineNames('').topics)).map((d) => [
      d.MetricName,
      d.Value,
      d.Dimensions?.length ?? 0,
    ]);
    expect(data).toEqual([
      ['MaxOffsetLag', 40, 2],
      ['SumOffsetLag', 52, 2],
      ['NoCommitPartitions', 1, 2],
      ['EstimatedMaxTimeLag', 2, 2],
      ['DlqRecords', 3, 0],
    ]);
  });

  it('counts the stage topics under the pipeline prefix, and only those', () => {
    const report: LagReport = {
      atMs: 60_000,
      groups: [],
      topics: [
        ...topics('it.events.raw', 'it.events.dlq'),
        // The unprefixed topic of another pipeline on the same cluster.
        { topic: 'events.dlq', endOffset: 50, recordsSinceLast: 50, perSecond: 5 },
      ],
    };
    const data = lagMetricData(report, stageMetrics(pipelineNames('it.').topics));
    expect(data.map((d) => [d.MetricName, d.Value])).toEqual([['DlqRecords', 3]]);
  });
});

describe('metricDataRequests', () => {
  const datum = (i: number, dimension = 'g') => ({
    MetricName: 'MaxOffsetLag',
    Dimensions: [
      { Name: 'ConsumerGroup', Value: `${dimension}-${i}` },
      { Name: 'Topic', Value: 'events.raw' },
    ],
    Timestamp: new Date(0),
    Value: i,
    Unit: 'Count' as const,
  });

  it('splits at 1000 metric data per request', () => {
    const sizes = metricDataRequests(Array.from({ length: 2501 }, (_, i) => datum(i)));
    expect(sizes.map((r) => r.length)).toEqual([1000, 1000, 501]);
  });

  it('splits by size before 1000 when the data are large, keeping every datum once', () => {
    // Dimension values of 1000 characters: about 1.1 KB of JSON a datum.
    const long = 'x'.repeat(1000);
    const data = Array.from({ length: 1500 }, (_, i) => datum(i, long));
    const requests = metricDataRequests(data);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(r.length).toBeLessThanOrEqual(1000);
      expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(MAX_DATA_BYTES_PER_REQUEST);
    }
    expect(requests.flat()).toEqual(data);
  });

  it('sends nothing for no data', () => {
    expect(metricDataRequests([])).toEqual([]);
  });
});

describe('chunk', () => {
  it('splits into requests of at most 1000', () => {
    const sizes = chunk(Array.from({ length: 2501 }, (_, i) => i)).map((c) => c.length);
    expect(sizes).toEqual([1000, 1000, 501]);
  });
});
