// The JSON-lines form of a DLQ record, for `sluice enrich --dlq FILE` and for reading such a file
// back for replay. Payload bytes are written as UTF-8 text when they are valid UTF-8 (readable in
// a terminal) and as base64 otherwise, with the encoding stated so the bytes round-trip exactly.
import { Buffer, isUtf8 } from 'node:buffer';
import type { DlqRecord } from './dlq-envelope.ts';

export type PayloadEncoding = 'utf8' | 'base64';

export interface DlqJsonPayload {
  readonly encoding: PayloadEncoding;
  readonly data: string;
}

export interface DlqJsonRecord {
  readonly key: DlqJsonPayload | null;
  readonly value: DlqJsonPayload | null;
  readonly headers: Readonly<Record<string, string>>;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodePayload(bytes: Uint8Array | null): DlqJsonPayload | null {
  if (bytes === null) return null;
  return isUtf8(bytes)
    ? { encoding: 'utf8', data: toBuffer(bytes).toString('utf8') }
    : { encoding: 'base64', data: toBuffer(bytes).toString('base64') };
}

/** One line, without the trailing newline. */
export function toDlqJsonLine(record: DlqRecord): string {
  const json: DlqJsonRecord = {
    key: encodePayload(record.key),
    value: encodePayload(record.value),
    headers: record.headers,
  };
  return JSON.stringify(json);
}

export type DlqJsonParse =
  | { readonly kind: 'ok'; readonly record: DlqRecord }
  | { readonly kind: 'invalid'; readonly message: string };

function decodePayload(payload: unknown, field: string): Uint8Array | null | string {
  if (payload === null) return null;
  if (typeof payload !== 'object') return `${field} must be an object or null`;
  const { encoding, data } = payload as { encoding?: unknown; data?: unknown };
  if (typeof data !== 'string') return `${field}.data must be a string`;
  if (encoding === 'utf8') return Buffer.from(data, 'utf8');
  if (encoding === 'base64') return Buffer.from(data, 'base64');
  return `${field}.encoding must be utf8 or base64`;
}

export function parseDlqJsonLine(line: string): DlqJsonParse {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { kind: 'invalid', message: `not JSON: ${(error as Error).message}` };
  }
  if (json === null || typeof json !== 'object') {
    return { kind: 'invalid', message: 'a DLQ line must be a JSON object' };
  }
  const obj = json as Record<string, unknown>;
  const key = decodePayload(obj.key ?? null, 'key');
  if (typeof key === 'string') return { kind: 'invalid', message: key };
  const value = decodePayload(obj.value ?? null, 'value');
  if (typeof value === 'string') return { kind: 'invalid', message: value };
  const headers = obj.headers;
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    return { kind: 'invalid', message: 'headers must be an object' };
  }
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v !== 'string')
      return { kind: 'invalid', message: `header ${name} must be a string` };
  }
  return { kind: 'ok', record: { key, value, headers: headers as Record<string, string> } };
}
