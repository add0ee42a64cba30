import { type AlarmsConfig, parseAlarmsConfig } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { staleAlarms, toPutMetricAlarm } from './alarm-definitions.ts';

function config(): AlarmsConfig {
  const r = parseAlarmsConfig({
    prefix: 'Sluice-',
    alarms: [
      {
        name: 'enrichment-lag',
        metric: 'MaxOffsetLag',
        dimensions: { ConsumerGroup: 'enrichment-workers', Topic: 'events.raw' },
        statistic: 'Maximum',
        periodS: 60,
        evaluationPeriods: 3,
        threshold: 50000,
        treatMissingData: 'breaching',
        alarmActions: ['arn:aws:sns:us-east-1:123456789012:oncall'],
      },
    ],
  });
  if (!r.ok) throw new Error(r.issues.join('; '));
  return r.config;
}

describe('toPutMetricAlarm', () => {
  it('maps a rule to a PutMetricAlarm request under the prefix', () => {
    const c = config();
    expect(toPutMetricAlarm(c, c.alarms[0] as AlarmsConfig['alarms'][number])).toEqual({
      AlarmName: 'Sluice-enrichment-lag',
      AlarmDescription: 'Sluice MaxOffsetLag GreaterThanThreshold 50000',
      Namespace: 'Sluice',
      MetricName: 'MaxOffsetLag',
      Dimensions: [
        { Name: 'ConsumerGroup', Value: 'enrichment-workers' },
        { Name: 'Topic', Value: 'events.raw' },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 50000,
      TreatMissingData: 'breaching',
      ActionsEnabled: true,
      AlarmActions: ['arn:aws:sns:us-east-1:123456789012:oncall'],
      OKActions: [],
    });
  });
});

describe('staleAlarms', () => {
  it('is every prefixed alarm that is not configured, and nothing else', () => {
    expect(
      staleAlarms(config(), ['Sluice-enrichment-lag', 'Sluice-old', 'Other-alarm', 'Sluice-x']),
    ).toEqual(['Sluice-old', 'Sluice-x']);
  });
});
