// Storage routing: rules, the commit decision, batching, and the stores' key layouts.
export {
  type ArchiveObject,
  archiveMarkerKey,
  archiveObjectKey,
  parseArchiveObjectName,
} from './archive-key.ts';
export {
  type BatchPolicy,
  type BufferState,
  backpressure,
  type FlushDecision,
  flushDecision,
} from './batch-policy.ts';
export {
  createEventRouter,
  type EventRouter,
  type RouteDecision,
  UNMATCHED_RULE,
} from './event-router.ts';
export {
  type CommitPoint,
  createOffsetTracker,
  type OffsetTracker,
  type TopicPartition,
} from './offset-tracker.ts';
export {
  ERROR_TYPES,
  LATENCY_BUCKETS_MS,
  type LatencySummary,
  latencyField,
  MAX_PAGE_KEY_LENGTH,
  type MinuteDelta,
  minuteBucket,
  REALTIME_TTL_S,
  type RealtimeInput,
  realtimeDeltas,
  realtimeKeys,
  SINK_HEALTH_STALE_MS,
  type SinkHealth,
  STAGE_COUNT_BUCKET_MS,
  STAGE_COUNT_FLUSH_MS,
  STAGE_COUNT_SETTLE_MS,
  STAGE_COUNT_TTL_S,
  STAGE_METRIC_PATTERN,
  STAGE_RATE_WINDOW_MS,
  sinkHealthSchema,
  stageCountBucket,
  stageCountBuckets,
  stageRateBuckets,
  stageRatePerSecond,
  summariseLatency,
} from './realtime-keys.ts';
export {
  DEFAULT_ROUTING,
  DESTINATIONS,
  type Destination,
  parseRoutingConfig,
  type RoutingConfig,
  type RoutingConfigParse,
  type RoutingRule,
  routingConfigSchema,
} from './routing-config.ts';
export {
  canonicalJson,
  diffRoutingConfigs,
  formatRoutingDiff,
  type RoutingDiff,
  type RuleChange,
} from './routing-diff.ts';
export {
  checkRoutingDraft,
  lintRoutingConfig,
  type RoutingDraftCheck,
  type RoutingWarning,
} from './routing-lint.ts';
export {
  type PreviewedEvent,
  previewRouting,
  type RoutingPreview,
} from './routing-preview.ts';
export {
  type AggregateRecord,
  aggregateKey,
  aggregateRecordSchema,
  aggregateRecordSchemaOf,
  isLateDropCorrection,
  type LateDropCorrectionRecord,
  lastPerKey,
  lateDropCorrectionRecordSchema,
  type SessionRecord,
  sessionChanges,
  sessionRecordSchema,
  type WindowAggregateRecord,
  windowAggregateRecordSchema,
} from './storage-records.ts';
