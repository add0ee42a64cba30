// Decodes one record of the DLQ topic into a row of the DLQ index. Tolerant by design: the index
// must hold every record of the topic, so a record that is not a valid envelope (written by
// another tool, an older version, or cut short) is still an entry, with what could be read and
// the reason it is not valid. Nothing here throws on input.
import { Buffer, isUtf8 } from 'node:buffer';
import { truncateUtf8 } from '../bounded-text.ts';
import { DLQ_HEADERS, type HeaderValue, parseDlqHeaders, type RawHeaders } from '../dlq-headers.ts';
import { errorSignature } from './error-signature.ts';

/** A record as read from the DLQ topic. */
export interface DlqTopicRecord {
  readonly topic: string;
  readonly partition: number;
  /** 64-bit offsets stay strings. */
  readonly offset: string;
  /** The broker's timestamp of the DLQ record; undefined or negative when it has none. */
  readonly timestampMs: number | undefined;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: RawHeaders;
}

/** A header value the index can keep in JSON: text, or base64 for bytes that are not. */
export type IndexedHeaderValue = string | { readonly encoding: 'base64'; readonly data: string };

/** What the stage wrote when it was valid; `invalid` carries the first problem found. */
export type EnvelopeCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly problem: string };

export interface DlqEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly recordTimestampMs: number | null;
  readonly envelopeVersion: string | null;
  readonly envelope: EnvelopeCheck;
  /** `unknown` when the record does not say. */
  readonly stage: string;
  /** `unknown` when the record does not say. */
  readonly errorClass: string;
  /** Empty when the record does not say. */
  readonly message: string;
  readonly stack: string | null;
  readonly reason: string | null;
  readonly path: string | null;
  readonly retryable: boolean | null;
  readonly attempts: number | null;
  readonly sourceTopic: string | null;
  readonly sourcePartition: number | null;
  readonly sourceOffset: string | null;
  readonly sourceTimestampMs: number | null;
  readonly firstFailureMs: number | null;
  readonly lastFailureMs: number | null;
  /** When it failed, for ordering and time filters: the last failure, else the record's time. */
  readonly failedAtMs: number;
  readonly workerId: string | null;
  readonly appVersion: string | null;
  readonly geoipBuild: string | null;
  /** The partly enriched event, when the stage got that far (JSON without NUL characters). */
  readonly partial: unknown;
  readonly signature: string;
  readonly signatureText: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  /** Every header of the record, including the original record's own. */
  readonly headers: Readonly<Record<string, IndexedHeaderValue | IndexedHeaderValue[]>>;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** The start of the payload as text, for text search; null when the payload is not UTF-8. */
  readonly payloadText: string | null;
}

export interface DlqEntryLimits {
  /** Any one text column (message, reason, ids); a record may be written by anyone. */
  readonly maxTextBytes: number;
  readonly maxStackBytes: number;
  /** The payload prefix kept for text search. */
  readonly maxPayloadTextBytes: number;
  /** Payloads larger than this are not parsed for their event id and type. */
  readonly maxParseBytes: number;
}

export const DEFAULT_DLQ_ENTRY_LIMITS: DlqEntryLimits = {
  maxTextBytes: 4096,
  maxStackBytes: 16_384,
  maxPayloadTextBytes: 2048,
  maxParseBytes: 1024 * 1024,
};

const MAX_EVENT_ID_CHARS = 200;
const MAX_EVENT_TYPE_CHARS = 100;
/** Stage and error class are index keys: a B-tree entry must stay well under 2.7 kB. */
const MAX_NAME_BYTES = 200;

function bytesOf(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

const NUL_OR_LONE_SURROGATE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what PostgreSQL refuses.
  /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** PostgreSQL text and jsonb hold neither NUL nor half of a UTF-16 surrogate pair. */
function pgText(s: string): string {
  return s.replace(NUL_OR_LONE_SURROGATE, '\uFFFD');
}

/** The latest time PostgreSQL and JavaScript both hold, and then some: the year 9999. */
const MAX_TIME_MS = 253_402_300_799_999;
const MAX_INT = 2_147_483_647;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

function headerValues(value: HeaderValue): (string | Uint8Array)[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as string | Uint8Array];
}

function indexedHeader(v: string | Uint8Array): IndexedHeaderValue {
  if (typeof v === 'string') {
    return v.includes('\u0000')
      ? { encoding: 'base64', data: Buffer.from(v, 'utf8').toString('base64') }
      : pgText(v);
  }
  const b = bytesOf(v);
  return isUtf8(b) && !b.includes(0)
    ? b.toString('utf8')
    : { encoding: 'base64', data: b.toString('base64') };
}

function indexedHeaders(headers: RawHeaders): DlqEntry['headers'] {
  const out: Record<string, IndexedHeaderValue | IndexedHeaderValue[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const values = headerValues(value).map(indexedHeader);
    if (values.length === 0) continue;
    out[pgText(name)] = values.length === 1 ? (values[0] as IndexedHeaderValue) : values;
  }
  return out;
}

/** Lenient readers: a header that is missing or unreadable is null, never an error. */
function headerReader(headers: RawHeaders, limits: DlqEntryLimits) {
  const raw = (name: string): string | null => {
    const first = headerValues(headers[name])[0];
    if (first === undefined) return null;
    return typeof first === 'string' ? first : bytesOf(first).toString('utf8');
  };
  const text = (name: string, maxBytes = limits.maxTextBytes): string | null => {
    const v = raw(name);
    return v === null ? null : truncateUtf8(pgText(v), maxBytes);
  };
  // Out-of-range values would fail the whole batch's insert: they are unreadable instead.
  const whole = (name: string): number | null => {
    const v = raw(name);
    return v !== null && /^\d{1,10}$/.test(v) && Number(v) <= MAX_INT ? Number(v) : null;
  };
  const offset = (name: string): string | null => {
    const v = raw(name);
    return v !== null && /^\d{1,19}$/.test(v) && BigInt(v) <= MAX_BIGINT ? v : null;
  };
  const time = (name: string): number | null => {
    const v = raw(name);
    const ms = v === null ? Number.NaN : Date.parse(v);
    return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS ? ms : null;
  };
  const flag = (name: string): boolean | null => {
    const v = raw(name);
    return v === 'true' ? true : v === 'false' ? false : null;
  };
  return { raw, text, whole, offset, time, flag };
}

function parsePartial(text: string | null): unknown {
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  // jsonb refuses \u0000 and lone surrogates (which JSON.stringify escapes); such a partial
  // stays readable in the headers.
  return /\\u0000|\\ud[89a-f]/i.test(JSON.stringify(parsed)) ? null : parsed;
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v.length > 0) return pgText(v.slice(0, MAX_EVENT_ID_CHARS));
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function typeOf(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? pgText(v.slice(0, MAX_EVENT_TYPE_CHARS)) : null;
}

/**
 * The event's id and type: from the payload when it is a JSON object, else from the partial
 * result, else read out of a payload that is not JSON (a cut-off event still names itself).
 */
function eventIdentity(
  value: Buffer | null,
  partial: unknown,
  limits: DlqEntryLimits,
): { eventId: string | null; eventType: string | null } {
  let eventId: string | null = null;
  let eventType: string | null = null;
  const fromObject = (o: unknown) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return;
    const r = o as Record<string, unknown>;
    eventId ??= idOf(r.event_id);
    eventType ??= typeOf(r.type);
  };
  let text: string | null = null;
  if (value && value.byteLength <= limits.maxParseBytes && isUtf8(value)) {
    text = value.toString('utf8');
    try {
      fromObject(JSON.parse(text));
    } catch {
      // Not JSON: the patterns below may still find them.
    }
  }
  fromObject(partial);
  if (text !== null && (eventId === null || eventType === null)) {
    const head = text.slice(0, 65_536);
    const id = /"event_id"\s*:\s*(?:"((?:[^"\\]|\\.){1,200})"|(\d{1,20})\b)/.exec(head);
    eventId ??= id ? (id[1] ?? id[2] ?? null) : null;
    const type = /"type"\s*:\s*"([^"\\]{1,100})"/.exec(head);
    eventType ??= type ? (type[1] ?? null) : null;
  }
  return {
    eventId: eventId === null ? null : pgText(eventId),
    eventType: eventType === null ? null : pgText(eventType),
  };
}

function payloadText(value: Buffer | null, limits: DlqEntryLimits): string | null {
  if (value === null || value.byteLength === 0) return null;
  const head = value.subarray(0, limits.maxPayloadTextBytes);
  // A cut inside a character makes the head invalid UTF-8: decode it anyway when the whole is.
  if (!isUtf8(head) && !isUtf8(value)) return null;
  return truncateUtf8(pgText(head.toString('utf8')), limits.maxPayloadTextBytes, '');
}

export function decodeDlqEntry(
  record: DlqTopicRecord,
  limits: DlqEntryLimits = DEFAULT_DLQ_ENTRY_LIMITS,
): DlqEntry {
  const h = headerReader(record.headers, limits);
  const check = parseDlqHeaders(record.headers);
  const envelope: EnvelopeCheck =
    check.kind === 'ok' ? { valid: true } : { valid: false, problem: check.message };
  const nameBytes = Math.min(MAX_NAME_BYTES, limits.maxTextBytes);
  const stage = h.text(DLQ_HEADERS.stage, nameBytes) || 'unknown';
  const errorClass = h.text(DLQ_HEADERS.errorClass, nameBytes) || 'unknown';
  const message = h.text(DLQ_HEADERS.errorMessage) ?? '';
  const path = h.text(DLQ_HEADERS.errorPath);
  const signature = errorSignature({ stage, errorClass, path: path ?? undefined, message });
  const ts = record.timestampMs;
  const recordTimestampMs = ts !== undefined && ts >= 0 && ts <= MAX_TIME_MS ? ts : null;
  const firstFailureMs = h.time(DLQ_HEADERS.firstFailureAt);
  const lastFailureMs = h.time(DLQ_HEADERS.lastFailureAt);
  const partial = parsePartial(h.raw(DLQ_HEADERS.partial));
  const value = record.value ? bytesOf(record.value) : null;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    recordTimestampMs,
    envelopeVersion: h.text(DLQ_HEADERS.envelopeVersion),
    envelope,
    stage,
    errorClass,
    message,
    stack: h.text(DLQ_HEADERS.errorStack, limits.maxStackBytes),
    reason: h.text(DLQ_HEADERS.errorReason),
    path,
    retryable: h.flag(DLQ_HEADERS.retryable),
    attempts: h.whole(DLQ_HEADERS.attempts),
    sourceTopic: h.text(DLQ_HEADERS.sourceTopic),
    sourcePartition: h.whole(DLQ_HEADERS.sourcePartition),
    sourceOffset: h.offset(DLQ_HEADERS.sourceOffset),
    sourceTimestampMs: h.time(DLQ_HEADERS.sourceTimestamp),
    firstFailureMs,
    lastFailureMs,
    failedAtMs: lastFailureMs ?? firstFailureMs ?? recordTimestampMs ?? 0,
    workerId: h.text(DLQ_HEADERS.workerId),
    appVersion: h.text(DLQ_HEADERS.appVersion),
    geoipBuild: h.text(DLQ_HEADERS.geoipBuild),
    partial,
    signature: signature.id,
    signatureText: signature.text,
    ...eventIdentity(value, partial, limits),
    headers: indexedHeaders(record.headers),
    key: record.key,
    value: record.value,
    payloadText: payloadText(value, limits),
  };
}
