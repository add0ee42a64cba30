// The lag metrics and alarms against moto: what the monitor publishes is listed and retrievable
// with the right names, dimensions and values, and `alarms apply` run twice leaves exactly the
// configured alarms (a stale prefixed alarm is deleted, nothing is duplicated).
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { createLagTracker, parseAlarmsConfig, pipelineNames } from '@sluice/core';
import { afterAll, describe, expect, it } from 'vitest';
import { applyAlarms } from '../../apps/worker/src/cloudwatch/alarm-applier.ts';
import { lagMetricData, stageMetrics } from '../../apps/worker/src/cloudwatch/lag-metric-data.ts';
import { publishMetricData } from '../../apps/worker/src/cloudwatch/metric-publisher.ts';
import { localAwsCredentials, testEnv, uniqueName } from '../env.ts';

const cw = new CloudWatchClient({
  endpoint: testEnv.awsEndpoint,
  region: testEnv.awsRegion,
  credentials: localAwsCredentials,
});
const namespace = uniqueName('Sluice/IT-lag');
const prefix = `${uniqueName('SluiceIT')}-`;

afterAll(async () => {
  const left = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
  const names = (left.MetricAlarms ?? []).map((a) => a.AlarmName as string);
  if (names.length > 0) await cw.send(new DeleteAlarmsCommand({ AlarmNames: names }));
});

describe('lag metrics in CloudWatch', () => {
  it('are listed and retrievable with their names, dimensions and values', async () => {
    const at = Math.floor(Date.now() / 60_000) * 60_000;
    const tracker = createLagTracker();
    const snap = (atMs: number, ends: number[], committed: number[], dlq: number) => ({
      atMs,
      endOffsets: [
        ...ends.map((offset, partition) => ({ topic: 'events.raw', partition, offset })),
        { topic: 'events.dlq', partition: 0, offset: dlq },
      ],
      groups: [
        {
          groupId: 'enrichment-workers',
          members: 1,
          committed: committed.map((offset, partition) => ({
            topic: 'events.raw',
            partition,
            offset,
          })),
        },
      ],
    });
    tracker.observe(snap(at - 10_000, [100, 100], [100, 100], 4));
    // 10 s later: partition 0 lags 50 (the end was at its commit 10 s ago: time lag 10 s),
    // partition 1 lags 20; events.raw grew by 150 offsets, events.dlq by 6.
    const report = tracker.observe(snap(at, [150, 200], [100, 180], 10));
    const data = lagMetricData(report, stageMetrics(pipelineNames('').topics));
    const result = await publishMetricData(cw, namespace, data);
    expect(result).toEqual({ requests: 1, sent: data.length, failed: 0, errors: [] });

    const listed = await cw.send(new ListMetricsCommand({ Namespace: namespace }));
    const seen = (listed.Metrics ?? [])
      .map(
        (m) =>
          `${m.MetricName} ${(m.Dimensions ?? [])
            .map((d) => `${d.Name}=${d.Value}`)
            .sort()
            .join(',')}`,
      )
      .sort();
    expect(seen).toEqual([
      'DlqRecords ',
      'EstimatedMaxTimeLag ConsumerGroup=enrichment-workers,Topic=events.raw',
      'MaxOffsetLag ConsumerGroup=enrichment-workers,Topic=events.raw',
      'NoCommitPartitions ConsumerGroup=enrichment-workers,Topic=events.raw',
      'RawRecords ',
      'SumOffsetLag ConsumerGroup=enrichment-workers,Topic=events.raw',
    ]);

    const dims = [
      { Name: 'ConsumerGroup', Value: 'enrichment-workers' },
      { Name: 'Topic', Value: 'events.raw' },
    ];
    const query = (Id: string, MetricName: string, Dimensions = dims) => ({
      Id,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName, Dimensions },
        Period: 60,
        Stat: 'Maximum',
      },
    });
    const got = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(at - 60_000),
        EndTime: new Date(at + 120_000),
        MetricDataQueries: [
          query('max', 'MaxOffsetLag'),
          query('sum', 'SumOffsetLag'),
          query('time', 'EstimatedMaxTimeLag'),
          query('dlq', 'DlqRecords', []),
          query('raw', 'RawRecords', []),
        ],
      }),
    );
    const values = Object.fromEntries((got.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
    expect(values).toEqual({ max: [50], sum: [70], time: [10], dlq: [6], raw: [150] });
  });
});

describe('sluice alarms apply', () => {
  it('run twice, leaves exactly the configured alarms', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: `${prefix}stale`,
        Namespace: namespace,
        MetricName: 'MaxOffsetLag',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const parsed = parseAlarmsConfig({
      namespace,
      prefix,
      alarms: [
        {
          name: 'enrichment-offset-lag',
          metric: 'MaxOffsetLag',
          dimensions: { ConsumerGroup: 'enrichment-workers', Topic: 'events.raw' },
          statistic: 'Maximum',
          periodS: 60,
          evaluationPeriods: 3,
          threshold: 100000,
          treatMissingData: 'breaching',
        },
        {
          name: 'enrichment-time-lag',
          metric: 'EstimatedMaxTimeLag',
          dimensions: { ConsumerGroup: 'enrichment-workers', Topic: 'events.raw' },
          statistic: 'Maximum',
          periodS: 60,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          threshold: 300,
          treatMissingData: 'notBreaching',
        },
        {
          name: 'dlq-rate',
          metric: 'DlqRecords',
          statistic: 'Sum',
          periodS: 300,
          evaluationPeriods: 1,
          threshold: 500,
          treatMissingData: 'notBreaching',
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.issues.join('; '));

    const first = await applyAlarms(cw, parsed.config);
    expect(first.deleted).toEqual([`${prefix}stale`]);
    const second = await applyAlarms(cw, parsed.config);
    expect(second).toEqual({ upserted: first.upserted, deleted: [] });

    const described = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
    const alarms = (described.MetricAlarms ?? []).map((a) => ({
      name: a.AlarmName,
      metric: a.MetricName,
      threshold: a.Threshold,
      missing: a.TreatMissingData,
      of: `${a.DatapointsToAlarm}/${a.EvaluationPeriods}`,
    }));
    expect(alarms.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      {
        name: `${prefix}dlq-rate`,
        metric: 'DlqRecords',
        threshold: 500,
        missing: 'notBreaching',
        of: '1/1',
      },
      {
        name: `${prefix}enrichment-offset-lag`,
        metric: 'MaxOffsetLag',
        threshold: 100000,
        missing: 'breaching',
        of: '3/3',
      },
      {
        name: `${prefix}enrichment-time-lag`,
        metric: 'EstimatedMaxTimeLag',
        threshold: 300,
        missing: 'notBreaching',
        of: '3/5',
      },
    ]);
  });
});
