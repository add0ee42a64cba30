// Builds the dead-letter record for a failed message: the original key and value bytes untouched
// (replay re-publishes them as they were) plus `sluice.*` headers describing the failure, bounded
// in size. The worker produces the record; this is the pure part.
import { Buffer } from 'node:buffer';
import { truncateStack, truncateUtf8 } from './bounded-text.ts';
import { DLQ_ENVELOPE_VERSION, DLQ_HEADERS } from './dlq-headers.ts';

export interface DlqFailure {
  /** Pipeline stage that failed: `enrichment`, `aggregation`, `storage:<sink>`, ... */
  readonly stage: string;
  readonly errorClass: string;
  readonly message: string;
  readonly stack?: string;
  readonly reason?: string;
  readonly path?: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly firstFailureMs: number;
  readonly lastFailureMs: number;
}

export interface DlqSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestampMs: number;
}

export interface DlqContext {
  readonly workerId: string;
  readonly appVersion: string;
  /** GeoIP database build, ISO-8601, when the stage uses one. */
  readonly geoipBuild?: string;
}

export interface DlqInput {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly source: DlqSource;
  readonly failure: DlqFailure;
  readonly context: DlqContext;
  /** Partly enriched event; serialised to JSON in a header. */
  readonly partial?: unknown;
}

export interface DlqRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DlqLimits {
  readonly maxMessageBytes: number;
  readonly maxStackLines: number;
  readonly maxStackBytes: number;
  /** A partial result larger than this is left out rather than cut into invalid JSON. */
  readonly maxPartialBytes: number;
  /**
   * The whole record (key, value, header names and values) stays under this, below the topic's
   * and the client's maximum message size (1 MB by default): a dead letter that cannot be
   * written would fail its transaction on every attempt. Over it, the partial result goes
   * first, then the value is cut, and `sluice.value.truncated` says how long it was.
   */
  readonly maxRecordBytes: number;
}

export const DEFAULT_DLQ_LIMITS: DlqLimits = {
  maxMessageBytes: 1024,
  maxStackLines: 30,
  maxStackBytes: 4096,
  maxPartialBytes: 8192,
  maxRecordBytes: 900_000,
};

export function buildDlqRecord(input: DlqInput, limits: DlqLimits = DEFAULT_DLQ_LIMITS): DlqRecord {
  const { failure, source, context } = input;
  const headers: Record<string, string> = {
    [DLQ_HEADERS.envelopeVersion]: DLQ_ENVELOPE_VERSION,
    [DLQ_HEADERS.stage]: failure.stage,
    [DLQ_HEADERS.errorClass]: failure.errorClass,
    [DLQ_HEADERS.errorMessage]: truncateUtf8(failure.message, limits.maxMessageBytes),
    [DLQ_HEADERS.retryable]: failure.retryable ? 'true' : 'false',
    [DLQ_HEADERS.attempts]: String(failure.attempts),
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: source.offset,
    [DLQ_HEADERS.sourceTimestamp]: new Date(source.timestampMs).toISOString(),
    [DLQ_HEADERS.firstFailureAt]: new Date(failure.firstFailureMs).toISOString(),
    [DLQ_HEADERS.lastFailureAt]: new Date(failure.lastFailureMs).toISOString(),
    [DLQ_HEADERS.workerId]: context.workerId,
    [DLQ_HEADERS.appVersion]: context.appVersion,
  };
  if (failure.stack !== undefined) {
    headers[DLQ_HEADERS.errorStack] = truncateStack(
      failure.stack,
      limits.maxStackLines,
      limits.maxStackBytes,
    );
  }
  if (failure.reason !== undefined) headers[DLQ_HEADERS.errorReason] = failure.reason;
  if (failure.path !== undefined) headers[DLQ_HEADERS.errorPath] = failure.path;
  if (context.geoipBuild !== undefined) headers[DLQ_HEADERS.geoipBuild] = context.geoipBuild;
  if (input.partial !== undefined) {
    const json = JSON.stringify(input.partial);
    if (json !== undefined && Buffer.byteLength(json, 'utf8') <= limits.maxPartialBytes) {
      headers[DLQ_HEADERS.partial] = json;
    }
  }
  return fitRecord({ key: input.key, value: input.value, headers }, limits.maxRecordBytes);
}

const recordBytes = (r: DlqRecord) =>
  (r.key?.byteLength ?? 0) +
  (r.value?.byteLength ?? 0) +
  Object.entries(r.headers).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8'),
    0,
  );

function fitRecord(r: DlqRecord, max: number): DlqRecord {
  if (recordBytes(r) <= max) return r;
  const { [DLQ_HEADERS.partial]: _, ...headers } = r.headers;
  const lighter = { ...r, headers };
  const over = recordBytes(lighter) - max;
  if (over <= 0 || !r.value) return lighter;
  const original = r.value.byteLength;
  // The marker header counts too: cut by what is over plus its size, with room to spare.
  const truncatedHeader = String(original);
  const keep = Math.max(
    0,
    original - over - DLQ_HEADERS.valueTruncated.length - truncatedHeader.length - 16,
  );
  return {
    key: r.key,
    value: r.value.subarray(0, keep),
    headers: { ...headers, [DLQ_HEADERS.valueTruncated]: truncatedHeader },
  };
}
