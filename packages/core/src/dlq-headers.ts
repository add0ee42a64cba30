// The DLQ header contract: names, and the parser that reads them back into a typed object for
// the console and for replay. Kafka headers are bytes; every value here is UTF-8 text, times are
// ISO-8601, offsets stay strings (they are 64-bit).
import { Buffer } from 'node:buffer';

export const DLQ_HEADERS = {
  envelopeVersion: 'sluice.envelope.version',
  stage: 'sluice.stage',
  errorClass: 'sluice.error.class',
  errorMessage: 'sluice.error.message',
  errorStack: 'sluice.error.stack',
  errorReason: 'sluice.error.reason',
  errorPath: 'sluice.error.path',
  retryable: 'sluice.retryable',
  attempts: 'sluice.attempts',
  sourceTopic: 'sluice.source.topic',
  sourcePartition: 'sluice.source.partition',
  sourceOffset: 'sluice.source.offset',
  sourceTimestamp: 'sluice.source.timestamp',
  firstFailureAt: 'sluice.failure.first',
  lastFailureAt: 'sluice.failure.last',
  workerId: 'sluice.worker.id',
  appVersion: 'sluice.app.version',
  geoipBuild: 'sluice.geoip.build',
  partial: 'sluice.partial',
  /** Set when the value was cut to keep the record under its size bound: the original length. */
  valueTruncated: 'sluice.value.truncated',
} as const;

export const DLQ_ENVELOPE_VERSION = '1';

/** Everything the DLQ headers say about a failure, as read back from a record. */
export interface DlqMetadata {
  readonly stage: string;
  readonly errorClass: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Machine reason, e.g. an invalid event's `too_long`; the console groups by it. */
  readonly reason: string | undefined;
  /** Field path for invalid events, e.g. `client_hints.sec-ch-ua`. */
  readonly path: string | undefined;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly source: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
    readonly timestampMs: number;
  };
  readonly firstFailureMs: number;
  readonly lastFailureMs: number;
  readonly workerId: string;
  readonly appVersion: string;
  readonly geoipBuild: string | undefined;
  /** The partly enriched event, when enrichment got that far. */
  readonly partial: unknown;
}

/** Header values as Kafka clients hand them over. */
export type HeaderValue = string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
export type RawHeaders = Readonly<Record<string, HeaderValue>>;

export type DlqHeaderParse =
  | { readonly kind: 'ok'; readonly metadata: DlqMetadata }
  | { readonly kind: 'invalid'; readonly header: string; readonly message: string };

class HeaderError extends Error {
  constructor(
    readonly header: string,
    message: string,
  ) {
    super(message);
  }
}

function text(value: HeaderValue): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || typeof first === 'string') return first;
  return Buffer.from(first.buffer, first.byteOffset, first.byteLength).toString('utf8');
}

export function parseDlqHeaders(headers: RawHeaders): DlqHeaderParse {
  const optional = (name: string) => text(headers[name]);
  const required = (name: string) => {
    const value = optional(name);
    if (value === undefined) throw new HeaderError(name, `missing header ${name}`);
    return value;
  };
  const integer = (name: string) => {
    const value = required(name);
    if (!/^\d+$/.test(value)) throw new HeaderError(name, `${name} is not a whole number`);
    return Number(value);
  };
  const time = (name: string) => {
    const ms = Date.parse(required(name));
    if (Number.isNaN(ms)) throw new HeaderError(name, `${name} is not an ISO-8601 time`);
    return ms;
  };
  // Exceptions stay inside this function: callers get an outcome value.
  try {
    const version = required(DLQ_HEADERS.envelopeVersion);
    if (version !== DLQ_ENVELOPE_VERSION) {
      throw new HeaderError(DLQ_HEADERS.envelopeVersion, `unsupported envelope version ${version}`);
    }
    const retryable = required(DLQ_HEADERS.retryable);
    if (retryable !== 'true' && retryable !== 'false') {
      throw new HeaderError(DLQ_HEADERS.retryable, 'retryable must be true or false');
    }
    const partialText = optional(DLQ_HEADERS.partial);
    let partial: unknown;
    if (partialText !== undefined) {
      try {
        partial = JSON.parse(partialText);
      } catch {
        throw new HeaderError(DLQ_HEADERS.partial, 'partial enrichment is not JSON');
      }
    }
    const offset = required(DLQ_HEADERS.sourceOffset);
    if (!/^\d+$/.test(offset)) {
      throw new HeaderError(DLQ_HEADERS.sourceOffset, 'offset is not a whole number');
    }
    const metadata: DlqMetadata = {
      stage: required(DLQ_HEADERS.stage),
      errorClass: required(DLQ_HEADERS.errorClass),
      message: required(DLQ_HEADERS.errorMessage),
      stack: optional(DLQ_HEADERS.errorStack),
      reason: optional(DLQ_HEADERS.errorReason),
      path: optional(DLQ_HEADERS.errorPath),
      retryable: retryable === 'true',
      attempts: integer(DLQ_HEADERS.attempts),
      source: {
        topic: required(DLQ_HEADERS.sourceTopic),
        partition: integer(DLQ_HEADERS.sourcePartition),
        offset,
        timestampMs: time(DLQ_HEADERS.sourceTimestamp),
      },
      firstFailureMs: time(DLQ_HEADERS.firstFailureAt),
      lastFailureMs: time(DLQ_HEADERS.lastFailureAt),
      workerId: required(DLQ_HEADERS.workerId),
      appVersion: required(DLQ_HEADERS.appVersion),
      geoipBuild: optional(DLQ_HEADERS.geoipBuild),
      partial,
    };
    return { kind: 'ok', metadata };
  } catch (error) {
    if (error instanceof HeaderError) {
      return { kind: 'invalid', header: error.header, message: error.message };
    }
    throw error;
  }
}
