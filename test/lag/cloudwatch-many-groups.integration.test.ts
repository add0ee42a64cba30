// CloudWatch publishing does not depend on how many consumer groups there are: a few hundred
// groups' lag metrics per interval, through the monitor's own client for the configured endpoint
// (moto here), all accepted in as many requests as PutMetricData's limits need, and every one
// listed and read back with its value. The premise of the client's configuration is checked too:
// moto answers 500 to the SDK's gzipped bodies, which every request above 10 KiB is by default.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type Metric,
} from '@aws-sdk/client-cloudwatch';
import { type LagReport, pipelineNames } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { createCloudWatchClient } from '../../apps/worker/src/cloudwatch/cloudwatch-client.ts';
import { lagMetricData, stageMetrics } from '../../apps/worker/src/cloudwatch/lag-metric-data.ts';
import { publishMetricData } from '../../apps/worker/src/cloudwatch/metric-publisher.ts';
import { loadEnv } from '../../apps/worker/src/env.ts';
import { localAwsCredentials, testEnv, uniqueName } from '../env.ts';

const GROUPS = 300;
const stages = stageMetrics(pipelineNames('').topics);

/** One interval's report: group i lags `base + i` on one partition without a commit. */
function report(atMs: number, base: number): LagReport {
  return {
    atMs,
    groups: Array.from({ length: GROUPS }, (_, i) => ({
      group: `it-many-${String(i).padStart(3, '0')}`,
      members: 1,
      status: 'OK' as const,
      partitions: [
        {
          group: `it-many-${String(i).padStart(3, '0')}`,
          topic: 'events.raw',
          partition: 0,
          committedOffset: null,
          logStartOffset: 0,
          endOffset: base + i,
          offsetLag: base + i,
          timeLagS: 1,
          timeLagEstimated: false,
          status: 'OK' as const,
          statusReason: 'nothing committed yet',
          timeToDrainS: null,
        },
      ],
    })),
    topics: [],
  };
}

async function listAll(cw: CloudWatchClient, namespace: string): Promise<Metric[]> {
  const out: Metric[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cw.send(new ListMetricsCommand({ Namespace: namespace, NextToken }));
    out.push(...(page.Metrics ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

describe('CloudWatch publishing with many consumer groups', () => {
  it('publishes a few hundred groups per interval, all listed and read back', async () => {
    const cw = createCloudWatchClient(loadEnv());
    const namespace = uniqueName('Sluice/IT-many');
    const at = Math.floor(Date.now() / 60_000) * 60_000;
    const intervals = [
      { atMs: at - 60_000, base: 1000 },
      { atMs: at, base: 2000 },
    ];
    for (const { atMs, base } of intervals) {
      const data = lagMetricData(report(atMs, base), stages);
      // Max, sum, no-commit count and time lag per group: 1,200 metric data, two requests.
      expect(data.length).toBe(GROUPS * 4);
      const result = await publishMetricData(cw, namespace, data);
      expect(result).toEqual({ requests: 2, sent: data.length, failed: 0, errors: [] });
    }

    // moto 5.2.1 lists a metric of two dimensions once per data point (its are_dimensions_same
    // compares every dimension with every other), AWS once: count distinct metrics.
    const listed = await listAll(cw, namespace);
    const distinct = new Set(
      listed.map((m) =>
        JSON.stringify([
          m.MetricName,
          ...(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort(),
        ]),
      ),
    );
    expect(distinct.size).toBe(GROUPS * 4);
    const names = new Set(listed.map((m) => m.MetricName));
    expect([...names].sort()).toEqual([
      'EstimatedMaxTimeLag',
      'MaxOffsetLag',
      'NoCommitPartitions',
      'SumOffsetLag',
    ]);

    // Every group's MaxOffsetLag, both intervals (GetMetricData takes 500 queries a call).
    const values = new Map<string, number[]>();
    for (let from = 0; from < GROUPS; from += 250) {
      const got = await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(at - 120_000),
          EndTime: new Date(at + 120_000),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: Array.from({ length: Math.min(250, GROUPS - from) }, (_, k) => ({
            Id: `g${from + k}`,
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: 'MaxOffsetLag',
                Dimensions: [
                  { Name: 'ConsumerGroup', Value: `it-many-${String(from + k).padStart(3, '0')}` },
                  { Name: 'Topic', Value: 'events.raw' },
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          })),
        }),
      );
      for (const r of got.MetricDataResults ?? []) values.set(r.Id ?? '', r.Values ?? []);
    }
    expect(values.size).toBe(GROUPS);
    for (let i = 0; i < GROUPS; i++) {
      expect([...(values.get(`g${i}`) ?? [])].sort((a, b) => a - b)).toEqual([1000 + i, 2000 + i]);
    }
  }, 120_000);

  it('premise: moto fails gzipped PutMetricData bodies, which the SDK sends above 10 KiB', async () => {
    // The SDK's defaults (compression on), as the monitor's client was before.
    const cw = new CloudWatchClient({
      endpoint: testEnv.awsEndpoint,
      region: testEnv.awsRegion,
      credentials: localAwsCredentials,
      maxAttempts: 1,
    });
    const namespace = uniqueName('Sluice/IT-gzip');
    const data = lagMetricData(report(Math.floor(Date.now() / 60_000) * 60_000, 0), stages);
    const small = await publishMetricData(cw, namespace, data.slice(0, 20));
    expect(small.failed).toBe(0);
    const large = await publishMetricData(cw, namespace, data.slice(0, 100));
    // Should this fail, moto takes gzip now: the emulator's client could compress again.
    expect(large.failed).toBe(100);
    // The failure says how many metric data it cost and why, on one line.
    expect(large.errors).toHaveLength(1);
    expect(large.errors[0]).toMatch(/^100 metrics: HTTP 500 /);
    expect(large.errors[0]).not.toContain('\n');
  }, 60_000);
});
