// Alarm rules on the lag metrics: the config schema shared by `sluice alarms apply` (which turns
// them into CloudWatch alarms) and the evaluator below (which lets Sluice compute the same state
// itself, for the console, without asking CloudWatch).
import { z } from 'zod';

/** Metric names the lag monitor publishes; a rule on anything else would never fire. */
export const LAG_METRIC_NAMES = [
  'MaxOffsetLag',
  'SumOffsetLag',
  'EstimatedMaxTimeLag',
  'NoCommitPartitions',
  'RawRecords',
  'EnrichedRecords',
  'DlqRecords',
  'LateRecords',
] as const;
export type LagMetricName = (typeof LAG_METRIC_NAMES)[number];

export const ALARM_STATISTICS = ['Maximum', 'Minimum', 'Average', 'Sum', 'SampleCount'] as const;
export type AlarmStatistic = (typeof ALARM_STATISTICS)[number];

const name = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore');

export const alarmRuleSchema = z
  .object({
    name,
    metric: z.enum(LAG_METRIC_NAMES),
    dimensions: z
      .object({
        ConsumerGroup: z.string().min(1).max(255).optional(),
        Topic: z.string().min(1).max(249).optional(),
      })
      .strict()
      .default({}),
    statistic: z.enum(ALARM_STATISTICS),
    periodS: z.union([z.literal(10), z.literal(30), z.number().int().min(60).multipleOf(60)]),
    evaluationPeriods: z.number().int().min(1).max(100),
    /** M of N: defaults to every period in the evaluation range. */
    datapointsToAlarm: z.number().int().min(1).max(100).optional(),
    comparison: z
      .enum([
        'GreaterThanThreshold',
        'GreaterThanOrEqualToThreshold',
        'LessThanThreshold',
        'LessThanOrEqualToThreshold',
      ])
      .default('GreaterThanThreshold'),
    threshold: z.number().finite(),
    // Required on purpose: what a gap in the data means differs per metric, so each rule says.
    treatMissingData: z.enum(['breaching', 'notBreaching', 'ignore', 'missing']),
    description: z.string().max(1024).optional(),
    alarmActions: z.array(z.string().min(1)).max(5).default([]),
    okActions: z.array(z.string().min(1)).max(5).default([]),
  })
  .strict()
  .refine((r) => (r.datapointsToAlarm ?? r.evaluationPeriods) <= r.evaluationPeriods, {
    message: 'datapointsToAlarm cannot exceed evaluationPeriods',
    path: ['datapointsToAlarm'],
  });

export const alarmsConfigSchema = z
  .object({
    namespace: z.string().min(1).max(255).default('Sluice'),
    /** Every alarm Sluice owns starts with this; apply deletes unconfigured ones with it. */
    prefix: z.string().min(1).max(100).default('Sluice-'),
    alarms: z.array(alarmRuleSchema).max(500),
  })
  .strict()
  .refine((c) => new Set(c.alarms.map((a) => a.name)).size === c.alarms.length, {
    message: 'alarm names must be unique',
    path: ['alarms'],
  });

export type AlarmRule = z.infer<typeof alarmRuleSchema>;
export type AlarmsConfig = z.infer<typeof alarmsConfigSchema>;

export type AlarmsConfigParse =
  | { ok: true; config: AlarmsConfig }
  | { ok: false; issues: string[] };

export function parseAlarmsConfig(input: unknown): AlarmsConfigParse {
  const r = alarmsConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, issues: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

function breaches(rule: AlarmRule, value: number): boolean {
  switch (rule.comparison) {
    case 'GreaterThanThreshold':
      return value > rule.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= rule.threshold;
    case 'LessThanThreshold':
      return value < rule.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= rule.threshold;
  }
}

/**
 * The state CloudWatch would give the alarm, from the last `evaluationPeriods` period values
 * (oldest first, null for a period without data). M of N: ALARM when at least
 * `datapointsToAlarm` periods breach. Missing periods count as breaching or not as the rule says;
 * with `missing` they are left out (all missing: INSUFFICIENT_DATA); with `ignore` an all-missing
 * range keeps the previous state. This is CloudWatch's documented behaviour, simplified: it does
 * not look back beyond the range for more data points.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  periods: readonly (number | null)[],
  previous: AlarmState = 'INSUFFICIENT_DATA',
): AlarmState {
  const range = periods.slice(-rule.evaluationPeriods);
  const needed = rule.datapointsToAlarm ?? rule.evaluationPeriods;
  let breaching = 0;
  let present = 0;
  for (const v of range) {
    if (v === null) {
      if (rule.treatMissingData === 'breaching') breaching++;
      continue;
    }
    present++;
    if (breaches(rule, v)) breaching++;
  }
  if (breaching >= needed) return 'ALARM';
  const allMissing = present === 0;
  if (allMissing && rule.treatMissingData === 'ignore') return previous;
  if (allMissing && rule.treatMissingData === 'missing') return 'INSUFFICIENT_DATA';
  if (range.length < rule.evaluationPeriods && present === 0) return 'INSUFFICIENT_DATA';
  return 'OK';
}

/**
 * Bucket raw points into the rule's periods ending at `endMs` (exclusive), oldest first, with the
 * rule's statistic; null for an empty period. Lets the console feed `evaluateAlarm` from
 * lag_samples without CloudWatch.
 */
export function periodValues(
  rule: Pick<AlarmRule, 'periodS' | 'statistic' | 'evaluationPeriods'>,
  points: readonly { atMs: number; value: number }[],
  endMs: number,
): (number | null)[] {
  const periodMs = rule.periodS * 1000;
  const startMs = endMs - periodMs * rule.evaluationPeriods;
  const buckets: number[][] = Array.from({ length: rule.evaluationPeriods }, () => []);
  for (const p of points) {
    if (p.atMs < startMs || p.atMs >= endMs) continue;
    buckets[Math.floor((p.atMs - startMs) / periodMs)]?.push(p.value);
  }
  return buckets.map((b) => (b.length === 0 ? null : statistic(rule.statistic, b)));
}

function statistic(stat: AlarmStatistic, values: number[]): number {
  switch (stat) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}
