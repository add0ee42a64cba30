// Consumer lag: time lag by interpolation, Burrow-style status, time to drain, alarm rules.
export {
  ALARM_STATISTICS,
  type AlarmRule,
  type AlarmState,
  type AlarmStatistic,
  type AlarmsConfig,
  type AlarmsConfigParse,
  alarmRuleSchema,
  alarmsConfigSchema,
  evaluateAlarm,
  LAG_METRIC_NAMES,
  type LagMetricName,
  parseAlarmsConfig,
  periodValues,
} from './alarm-rules.ts';
export {
  type GroupTopicSummary,
  type PartitionLagLike,
  summariseByGroupTopic,
} from './group-topic-summary.ts';
export {
  createLagTracker,
  type GroupLag,
  type GroupOffsets,
  type LagReport,
  type LagSnapshot,
  type LagTracker,
  type LagTrackerOptions,
  type PartitionLag,
  type PartitionOffset,
  type TopicThroughput,
} from './lag-tracker.ts';
export { type OffsetLag, type OffsetLagInput, offsetLag, samplePosition } from './offset-lag.ts';
export {
  DEFAULT_TABLE_CAPACITY,
  type OffsetTimePoint,
  type OffsetTimeTable,
  recordEndOffset,
  type TimeLag,
  timeLagAt,
  timeLagValue,
} from './offset-time-table.ts';
export {
  DEFAULT_WINDOW_SIZE,
  isLagStatus,
  LAG_STATUSES,
  type LagSample,
  type LagStatus,
  partitionStatus,
  STATUS_SEVERITY,
  type StatusEvidence,
  type StatusInput,
  type StatusResult,
  type StatusThresholds,
  statusReason,
  worstStatus,
} from './partition-status.ts';
export {
  DEFAULT_DRAIN_OPTIONS,
  type DrainOptions,
  drainSeconds,
  type RatePoint,
  type TimeToDrain,
  timeToDrain,
} from './time-to-drain.ts';
