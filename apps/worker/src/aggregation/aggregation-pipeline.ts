// The Aggregation stage without Kafka: messages of one input partition in, the records to produce
// out (window partials, sessions, late events, changelog entries). The worker wraps each call in
// a transaction; `sluice aggregate` and the bench feed it directly. Same code path for all.
import {
  type AggregatorConfig,
  createPartitionAggregator,
  type Drained,
  type EventOutcome,
  type PartitionAggregator,
  parseAggregationEvent,
} from '@sluice/core';

export interface InputMessage {
  key: Uint8Array | null;
  value: Uint8Array | string | null;
}

export interface BatchResult extends Drained {
  /** Messages dropped past the allowed lateness (or expired): copied to events.late. */
  late: InputMessage[];
  outcomes: Map<EventOutcome | 'invalid', number>;
}

/** What taking messages in decided at once: the late ones to copy out, and each outcome's count. */
export type Accepted = Pick<BatchResult, 'late' | 'outcomes'>;

export interface PartitionPipeline {
  readonly aggregator: PartitionAggregator;
  process(messages: readonly InputMessage[], nowWallMs: number, position?: string): BatchResult;
  /**
   * Adds the messages to the state without draining it: what they close and change is emitted
   * by the next drain (the worker drains once per transaction, not once per batch).
   */
  accept(messages: readonly InputMessage[], nowWallMs: number): Accepted;
  /** Idle check; returns what the advanced watermark closed, or undefined when not idle. */
  tick(nowWallMs: number): BatchResult | undefined;
  closeAll(): BatchResult;
}

const text = (v: Uint8Array | string): string =>
  typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');

export function createPartitionPipeline(
  partition: number,
  config: AggregatorConfig,
  nowWallMs: number,
  restored: Iterable<[string, string]> = [],
): PartitionPipeline {
  const aggregator = createPartitionAggregator(partition, config, nowWallMs, restored);
  const empty = (): BatchResult => ({ ...aggregator.drain(), late: [], outcomes: new Map() });
  const accept = (messages: readonly InputMessage[], now: number): Accepted => {
    const late: InputMessage[] = [];
    const outcomes = new Map<EventOutcome | 'invalid', number>();
    for (const m of messages) {
      // An event the enrichment stage let through always parses; anything else is counted
      // (metric) and skipped rather than stalling the partition.
      const parsed = m.value === null ? undefined : parseAggregationEvent(text(m.value));
      const outcome = parsed?.ok ? aggregator.add(parsed.event, now) : 'invalid';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (outcome === 'late_dropped' || outcome === 'expired') late.push(m);
    }
    return { late, outcomes };
  };
  return {
    aggregator,
    process(messages, now, position) {
      const accepted = accept(messages, now);
      return { ...aggregator.drain(position), ...accepted };
    },
    accept,
    tick(now) {
      return aggregator.tick(now) ? empty() : undefined;
    },
    closeAll() {
      aggregator.closeAll();
      return empty();
    },
  };
}
