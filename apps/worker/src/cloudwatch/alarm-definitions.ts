// Alarm rules from the config as PutMetricAlarm requests. PutMetricAlarm replaces an alarm of the
// same name wholesale, so applying the same config twice is a no-op in effect.
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { AlarmRule, AlarmsConfig } from '@sluice/core';

export function alarmName(config: Pick<AlarmsConfig, 'prefix'>, rule: Pick<AlarmRule, 'name'>) {
  return `${config.prefix}${rule.name}`;
}

export function toPutMetricAlarm(
  config: AlarmsConfig,
  rule: AlarmRule,
): PutMetricAlarmCommandInput {
  const dimensions = Object.entries(rule.dimensions)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([Name, Value]) => ({ Name, Value }));
  return {
    AlarmName: alarmName(config, rule),
    AlarmDescription:
      rule.description ?? `Sluice ${rule.metric} ${rule.comparison} ${rule.threshold}`,
    Namespace: config.namespace,
    MetricName: rule.metric,
    Dimensions: dimensions,
    Statistic: rule.statistic,
    Period: rule.periodS,
    EvaluationPeriods: rule.evaluationPeriods,
    DatapointsToAlarm: rule.datapointsToAlarm ?? rule.evaluationPeriods,
    ComparisonOperator: rule.comparison,
    Threshold: rule.threshold,
    TreatMissingData: rule.treatMissingData,
    ActionsEnabled: rule.alarmActions.length + rule.okActions.length > 0,
    AlarmActions: rule.alarmActions,
    OKActions: rule.okActions,
  };
}

/** Alarms with our prefix that the config no longer has: apply deletes them. */
export function staleAlarms(config: AlarmsConfig, existing: readonly string[]): string[] {
  const wanted = new Set(config.alarms.map((r) => alarmName(config, r)));
  return existing.filter((n) => n.startsWith(config.prefix) && !wanted.has(n)).sort();
}
