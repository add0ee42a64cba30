// Turns a consumed Kafka record into a typed SinkRecord, or a reason to dead-letter it. The
// enriched events were validated by the Enrichment stage, so only their identity fields are
// checked here; the aggregation stage's records are checked against the contract's schema: on
// the aggregates topic, a window's partial or a late-drop correction, each by its own schema.
import { aggregateRecordSchemaOf, type EnrichedEvent, sessionRecordSchema } from '@sluice/core';
import type { ReplayMark, SinkRecord } from './sink.ts';

export type RecordKind = SinkRecord['kind'];

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly replay?: ReplayMark | undefined;
}

export type ParsedRecord =
  | { readonly ok: true; readonly record: SinkRecord }
  | { readonly ok: false; readonly reason: string; readonly message: string };

export function parseStorageRecord(kind: RecordKind, c: ConsumedRecord): ParsedRecord {
  if (c.value === null) return { ok: false, reason: 'empty_value', message: 'record has no value' };
  let json: unknown;
  try {
    json = JSON.parse(c.value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'invalid_json', message: (err as Error).message };
  }
  const base = { ...c, value: c.value };
  if (kind === 'event') {
    const e = json as Partial<EnrichedEvent> | null;
    if (
      !e ||
      typeof e.event_id !== 'string' ||
      typeof e.type !== 'string' ||
      typeof e.timestamp !== 'string' ||
      typeof e.timestamp_ms !== 'number' ||
      typeof e.user_id !== 'string' ||
      typeof e.session_id !== 'string'
    ) {
      return { ok: false, reason: 'not_an_enriched_event', message: 'missing identity fields' };
    }
    return { ok: true, record: { ...base, kind, data: e as EnrichedEvent } };
  }
  const schema = kind === 'aggregate' ? aggregateRecordSchemaOf(json) : sessionRecordSchema;
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return {
      ok: false,
      reason: 'invalid_record',
      message: `${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, record: { ...base, kind, data: r.data } as SinkRecord };
}
