// What every storage sink implements: write a batch durably (idempotently, so a replay changes
// nothing), report per-record permanent failures as values for the DLQ, and throw only for
// transient faults, which the sink runner retries.
import type { AggregateRecord, Destination, EnrichedEvent, SessionRecord } from '@sluice/core';

interface SourceFields {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, as Kafka clients give it. */
  readonly offset: string;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  /** The record's bytes exactly as consumed: archived as they are, dead-lettered as they are. */
  readonly value: Buffer;
  /** Set on a record re-published from the DLQ (its `sluice-replay-*` headers). */
  readonly replay?: ReplayMark | undefined;
}

/**
 * A replayed record: the job and entry that sent it, and, for a storage-stage failure, the only
 * sinks that lack the event (the others stored it when it first came).
 */
export interface ReplayMark {
  readonly job: string;
  readonly entry: string;
  readonly sinks?: readonly string[] | undefined;
}

export type SinkRecord = SourceFields &
  (
    | { readonly kind: 'event'; readonly data: EnrichedEvent }
    | { readonly kind: 'aggregate'; readonly data: AggregateRecord }
    | { readonly kind: 'session'; readonly data: SessionRecord }
  );

export interface SinkFailure {
  readonly record: SinkRecord;
  readonly errorClass: string;
  readonly message: string;
  readonly retryable: boolean;
  /** Tries of this record inside the write that refused it. */
  readonly attempts: number;
  /**
   * When the record first failed (ms), for a sink that tried it more than once inside the write;
   * the sink runner fills it in otherwise, and moves it earlier when an earlier write of the
   * record's batch failed as a whole.
   */
  readonly firstFailureMs?: number;
}

/** A refused record as the sink runner hands it to the DLQ: the failure's real history. */
export interface DeadLetter extends SinkFailure {
  /** Tries of the record over every write of its batch. */
  readonly attempts: number;
  readonly firstFailureMs: number;
  /** When the sink refused it for good. */
  readonly lastFailureMs: number;
}

export interface Sink {
  readonly name: Destination;
  /** Resolves once every record is stored or listed as failed; throws on a transient fault. */
  write(records: readonly SinkRecord[]): Promise<{ failed: readonly SinkFailure[] }>;
  close(): Promise<void>;
}

/** Records grouped by their source topic and partition, each group in arrival (offset) order. */
export function byPartition(records: readonly SinkRecord[]): SinkRecord[][] {
  const groups = new Map<string, SinkRecord[]>();
  for (const r of records) {
    const k = `${r.topic}\u0000${r.partition}`;
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()];
}
