// Dead letters for the DLQ suites, built the way the stages build them (core's buildDlqRecord):
// a known mix of signatures, stages, event types and failure times, plus records that are not
// valid envelopes. Deterministic for a given count and seed.
import { Buffer } from 'node:buffer';
import { buildDlqRecord, type DlqRecord } from '@sluice/core';

export interface PoisonKind {
  stage: string;
  errorClass: string;
  reason?: string;
  path?: string;
  /** The message for the n-th record of this kind (varies per event, same signature). */
  message: (n: number) => string;
  retryable: boolean;
  /** Relative frequency. */
  weight: number;
}

export const POISON_KINDS: readonly PoisonKind[] = [
  {
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    reason: 'invalid_json',
    message: (n) =>
      `Expected ',' or '}' after property value in JSON at position ${40 + (n % 300)} (line 1 column ${41 + (n % 300)})`,
    retryable: false,
    weight: 30,
  },
  {
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    reason: 'missing_field',
    path: 'user_id',
    message: () => 'user_id is required',
    retryable: false,
    weight: 20,
  },
  {
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    reason: 'invalid_type',
    path: 'session_id',
    message: () => 'Invalid input: expected string, received number',
    retryable: false,
    weight: 15,
  },
  {
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    reason: 'invalid_timestamp',
    path: 'timestamp',
    message: (n) =>
      `timestamp ${1_700_000 + n} is outside the accepted range [946684800000, 4102444800000] (epoch seconds instead of milliseconds?)`,
    retryable: false,
    weight: 10,
  },
  {
    stage: 'enrichment',
    errorClass: 'TransientLookupError',
    message: (n) => `GeoIP database reloading, lookup of 10.0.${n % 256}.${n % 200} refused`,
    retryable: true,
    weight: 5,
  },
  {
    stage: 'storage:timescaledb',
    errorClass: 'DatabaseError',
    message: (n) =>
      `value too long for type character varying(255) in row ${n} of batch 5f3e${(n * 7919).toString(16).padStart(8, '0')}`,
    retryable: false,
    weight: 8,
  },
  {
    stage: 'storage:elasticsearch',
    errorClass: 'ResponseError',
    message: (n) =>
      `mapper_parsing_exception: failed to parse field [properties.price] of type [float] in document with id '${uuid(n)}'`,
    retryable: false,
    weight: 7,
  },
  {
    stage: 'storage',
    errorClass: 'InvalidRecord',
    reason: 'not_json',
    message: (n) => `record at offset ${n * 3} is not JSON`,
    retryable: false,
    weight: 5,
  },
];

function uuid(n: number): string {
  const h = (n * 2654435761).toString(16).padStart(12, '0').slice(-12);
  return `3f2b8c1e-9d4a-4e7b-8c2d-${h}`;
}

const TYPES = ['pageview', 'click', 'error', 'exception', 'signup'];

export interface PoisonRecord {
  record: DlqRecord;
  kind: number;
  eventId: string;
  eventType: string;
}

/** `count` dead letters over `spanMs` of failure times ending at `endMs`. */
export function poisonRecords(
  count: number,
  { endMs = Date.parse('2026-03-01T12:00:00Z'), spanMs = 14 * 86_400_000, tag = 'p' } = {},
): PoisonRecord[] {
  const total = POISON_KINDS.reduce((s, k) => s + k.weight, 0);
  const out: PoisonRecord[] = [];
  for (let i = 0; i < count; i++) {
    // A fixed walk over the weights: kind shares are exact for any count.
    let slot = (i * 7) % total;
    let kind = 0;
    while (slot >= (POISON_KINDS[kind] as PoisonKind).weight) {
      slot -= (POISON_KINDS[kind] as PoisonKind).weight;
      kind++;
    }
    const k = POISON_KINDS[kind] as PoisonKind;
    const eventId = `${tag}-${i}`;
    const eventType = TYPES[i % TYPES.length] as string;
    const failedMs = endMs - Math.floor(((count - i) / count) * spanMs);
    const body = JSON.stringify({
      event_id: eventId,
      type: eventType,
      timestamp: failedMs - 1000,
      user_id: `u${i % 997}`,
      session_id: `s${i % 4001}`,
      url: `https://shop.example.com/p/${i % 500}?ref=${'x'.repeat(i % 200)}`,
      properties: { price: i % 3 === 0 ? 'free' : i % 100, plan: 'pro' },
    });
    const value = k.reason === 'invalid_json' ? body.slice(0, 60 + (i % 40)) : body;
    const record = buildDlqRecord({
      key: Buffer.from(`s${i % 4001}`),
      value: Buffer.from(value),
      source: {
        topic: k.stage === 'enrichment' ? 'events.raw' : 'events.enriched',
        partition: i % 12,
        offset: String(1_000_000 + i),
        timestampMs: failedMs - 2000,
      },
      failure: {
        stage: k.stage,
        errorClass: k.errorClass,
        message: k.message(i),
        stack: `${k.errorClass}: ${k.message(i)}\n    at step (stage.ts:${10 + (i % 5)}:7)\n    at run (runner.ts:88:3)`,
        ...(k.reason ? { reason: k.reason } : {}),
        ...(k.path ? { path: k.path } : {}),
        retryable: k.retryable,
        attempts: k.retryable ? 3 : 1,
        firstFailureMs: failedMs - (k.retryable ? 1500 : 0),
        lastFailureMs: failedMs,
      },
      context: { workerId: `w${i % 3}`, appVersion: '0.1.0' },
      ...(k.stage === 'enrichment' && k.reason === 'invalid_type'
        ? { partial: { event_id: eventId, geo: { country_code: 'GB' } } }
        : {}),
    });
    out.push({ record, kind, eventId, eventType });
  }
  return out;
}
