// Routes one consumed batch (any mix of the three input topics and their partitions): each record
// is parsed into a typed SinkRecord or rejected with a reason for the DLQ, and each parsed record
// goes to the sinks the routing rules name. Pure: the stage turns the result into DLQ sends,
// offset-tracker segments and sink hand-overs.
import type { Destination, EventRouter } from '@sluice/core';
import type { SinkRecord } from './sink.ts';
import {
  type ConsumedRecord,
  parseStorageRecord,
  type RecordKind,
} from './storage-record-parser.ts';

/** One partition's records of the batch, in offset order: a segment of the offset tracker. */
export interface PartitionRoute {
  readonly topic: string;
  readonly partition: number;
  readonly kind: RecordKind;
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** Kafka (ingestion) timestamps of every record, rejected ones included. */
  readonly timestampsMs: readonly number[];
  /** The partition's records per sink; a sink without records is absent. */
  readonly bySink: ReadonlyMap<Destination, readonly SinkRecord[]>;
  /** Records handed to at least one sink (a record going to several counts once). */
  readonly routed: number;
  /** Records that could not be read (in the batch's `rejected`). */
  readonly rejected: number;
}

export interface RejectedRecord {
  readonly record: ConsumedRecord;
  readonly reason: string;
  readonly message: string;
}

export interface RoutedBatch {
  readonly partitions: readonly PartitionRoute[];
  readonly rejected: readonly RejectedRecord[];
}

export interface BatchRouting {
  /** What each input topic carries; a topic not listed is a bug (the stage subscribes to these). */
  kindOf(topic: string): RecordKind | undefined;
  /** The routing rules in force for this batch. */
  route: EventRouter;
  /** The sinks this worker runs: destinations without one are skipped. */
  sinks: ReadonlySet<Destination>;
}

/** Aggregates and sessions serve the TimescaleDB queries only. */
const NON_EVENT_DESTINATIONS: readonly Destination[] = ['timescaledb'];

export function routeBatch(records: readonly ConsumedRecord[], r: BatchRouting): RoutedBatch {
  const partitions = new Map<string, PartitionRouteBuilder>();
  const rejected: RejectedRecord[] = [];
  for (const record of records) {
    const kind = r.kindOf(record.topic);
    if (kind === undefined) throw new Error(`no record kind for topic ${record.topic}`);
    const key = `${record.topic}\u0000${record.partition}`;
    let p = partitions.get(key);
    if (!p) {
      p = {
        topic: record.topic,
        partition: record.partition,
        kind,
        firstOffset: record.offset,
        lastOffset: record.offset,
        timestampsMs: [],
        bySink: new Map(),
        routed: 0,
        rejected: 0,
      };
      partitions.set(key, p);
    }
    p.lastOffset = record.offset;
    p.timestampsMs.push(record.timestampMs);
    const parsed = parseStorageRecord(kind, record);
    if (!parsed.ok) {
      rejected.push({ record, reason: parsed.reason, message: parsed.message });
      p.rejected++;
      continue;
    }
    const destinations =
      parsed.record.kind === 'event'
        ? r.route(parsed.record.data as unknown as Record<string, unknown>).destinations
        : NON_EVENT_DESTINATIONS;
    // A replayed storage-stage failure goes only to the sinks that lack it (replay-plan.ts).
    const only = parsed.record.replay?.sinks;
    let routed = false;
    for (const d of destinations) {
      if (!r.sinks.has(d) || (only && !only.includes(d))) continue;
      routed = true;
      const list = p.bySink.get(d);
      if (list) list.push(parsed.record);
      else p.bySink.set(d, [parsed.record]);
    }
    if (routed) p.routed++;
  }
  return { partitions: [...partitions.values()], rejected };
}

interface PartitionRouteBuilder extends PartitionRoute {
  lastOffset: string;
  routed: number;
  rejected: number;
  readonly timestampsMs: number[];
  readonly bySink: Map<Destination, SinkRecord[]>;
}
