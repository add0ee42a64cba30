// Event-time windows and sessions: pure logic of the aggregation stage.
export {
  type AggregationEvent,
  type AggregationEventParse,
  dimensionsOf,
  parseAggregationEvent,
  WINDOW_DIMENSIONS,
  type WindowDimension,
} from './aggregation-event.ts';
export type { AggregatorConfig, LatePolicy } from './aggregator-config.ts';
export { metaEntryPosition } from './changelog-codec.ts';
export {
  HLL_PRECISION,
  HLL_REGISTERS,
  HLL_SPARSE_LIMIT,
  HLL_STANDARD_ERROR,
  HLL_V1_PRECISION,
  HyperLogLog,
  hashUserId,
  type SketchDecode,
  type SketchMode,
} from './hyperloglog.ts';
export type { LateDropCorrection } from './late-correction.ts';
export {
  type ChangelogEntry,
  createPartitionAggregator,
  type Drained,
  type EventOutcome,
  META_KEY,
  type PartitionAggregator,
} from './partition-aggregator.ts';
export type { SessionRecord as SessionOutputRecord } from './session-state.ts';
export {
  type DurationParse,
  parseDuration,
  parseWindowSizes,
  type WindowSize,
  type WindowSizesParse,
  windowStart,
} from './window-size.ts';
export type { WindowRecord as WindowOutputRecord } from './window-state.ts';
