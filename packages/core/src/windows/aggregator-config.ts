// The settings of event-time aggregation, shared by the worker and `sluice aggregate`.
import type { WindowDimension } from './aggregation-event.ts';
import type { WindowSize } from './window-size.ts';

/** Beyond the allowed lateness: count the event as dropped, or fold it into its window anyway. */
export type LatePolicy = 'drop' | 'reaggregate';

export interface AggregatorConfig {
  readonly windows: readonly WindowSize[];
  readonly dimensions: readonly WindowDimension[];
  /** Watermark = highest event time seen minus this. */
  readonly maxOutOfOrderMs: number;
  /** After its window fired, an event this late still updates it (the record is re-emitted). */
  readonly allowedLatenessMs: number;
  readonly latePolicy: LatePolicy;
  /** A partition without events for this long (wall clock) closes its open windows anyway. */
  readonly idleTimeoutMs: number;
  readonly sessionGapMs: number;
  /**
   * How long past its allowed lateness a window (or session) stays in memory so that a later
   * event can still be counted in its late_dropped (or re-aggregated). Beyond it an event is
   * `expired`: kept on events.late and counted in a metric only. This is what bounds memory.
   */
  readonly retentionMs: number;
  /** Cap on windows + sessions held per partition; past it the oldest are closed early. */
  readonly maxStateEntries: number;
}
