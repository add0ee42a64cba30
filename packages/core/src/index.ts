// Public surface of @sluice/core: pure processing logic, no I/O.

export { TRUNCATION_MARKER, truncateStack, truncateUtf8 } from './bounded-text.ts';
export {
  type BrandVersion,
  hasClientHints,
  type ParsedClientHints,
  parseBrandList,
  parseClientHints,
  parseHintString,
} from './client-hints.ts';
export * from './control/controlled-stages.ts';
export * from './control/group-condition.ts';
export * from './control/offset-reset.ts';
export * from './control/stage-control.ts';
export { type CacheStats, type CountingCache, createCountingCache } from './counting-cache.ts';
export * from './dedup/index.ts';
export * from './dlq/index.ts';
export {
  buildDlqRecord,
  DEFAULT_DLQ_LIMITS,
  type DlqContext,
  type DlqFailure,
  type DlqInput,
  type DlqLimits,
  type DlqRecord,
  type DlqSource,
} from './dlq-envelope.ts';
export {
  DLQ_ENVELOPE_VERSION,
  DLQ_HEADERS,
  type DlqHeaderParse,
  type DlqMetadata,
  type HeaderValue,
  parseDlqHeaders,
  type RawHeaders,
} from './dlq-headers.ts';
export {
  type DlqJsonParse,
  type DlqJsonPayload,
  type DlqJsonRecord,
  encodePayload,
  type PayloadEncoding,
  parseDlqJsonLine,
  toDlqJsonLine,
} from './dlq-json.ts';
export { ENRICHMENT_STAGE, enrichDlqRecord, type FailureHistory } from './enrich-dlq.ts';
export {
  createEnrichStep,
  type EnrichConfig,
  type EnrichDeps,
  type EnrichedEvent,
  type EnrichOutcome,
  type EnrichStep,
  INVALID_EVENT_ERROR_CLASS,
  type PartialEnrichment,
  type RawMessage,
} from './enrich-step.ts';
export { errorClassOf, isRetryableError, TransientLookupError } from './error-classification.ts';
export { DEFAULT_EVENT_LIMITS, type EventLimits } from './event-limits.ts';
export {
  createEventParser,
  type EventParser,
  type EventParserConfig,
  type EventParserOptions,
  type InvalidEvent,
  type InvalidReason,
  type ParseOutcome,
  resolveEventParserConfig,
} from './event-parser.ts';
export {
  type AnalyticsEvent,
  CLIENT_HINT_NAMES,
  type ClientHintName,
  type ClientHints,
  createRawEventSchema,
  EVENT_TYPE_PATTERN,
  KNOWN_EVENT_FIELDS,
  KNOWN_EVENT_TYPES,
  type RawEventSchema,
  type UnknownFieldsPolicy,
} from './event-schema.ts';
export {
  DEFAULT_TIMESTAMP_RANGE,
  type NormalisedTimestamp,
  normaliseTimestamp,
  type TimestampRange,
  type TimestampResult,
} from './event-timestamp.ts';
export {
  type CityRecord,
  createGeoEnricher,
  DEFAULT_GEO_CACHE_SIZE,
  type GeoEnricher,
  type GeoEnricherOptions,
  type GeoInfo,
  type GeoLookup,
  type GeoResult,
  type GeoStatus,
  toGeoInfo,
} from './geoip-enricher.ts';
export { geoLookupFromMmdb, type MmdbCityReader } from './geoip-reader-adapter.ts';
export { classifyIp, type IpClass } from './ip-classifier.ts';
export * from './lag/index.ts';
export {
  DEFAULT_TOPIC_PREFIX,
  DEFAULT_WINDOW_SIZES,
  ENTRY_TOPIC,
  GROUPS,
  type GroupKey,
  type GroupNames,
  type PipelineNames,
  type PipelineStage,
  pipelineEnvShape,
  pipelineNames,
  type StageMetric,
  type StageName,
  TOPICS,
  type TopicKey,
  type TopicNames,
} from './pipeline-contract.ts';
export { type BoundsViolation, checkPropertyBounds } from './properties-bounds.ts';
export * from './routing/index.ts';
export * from './trace/index.ts';
export {
  createUaEnricher,
  DEFAULT_UA_CACHE_SIZE,
  parseUserAgent,
  type UaEnricher,
  type UaEnricherOptions,
  type UaInfo,
} from './ua-enricher.ts';
export * from './windows/index.ts';
