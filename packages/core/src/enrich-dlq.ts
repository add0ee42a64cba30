// Glue for the worker: the DLQ record for a message the enrich step dead-lettered, once the
// worker's retry policy has given up (or at once for a permanent failure).
import { buildDlqRecord, type DlqContext, type DlqLimits, type DlqRecord } from './dlq-envelope.ts';
import type { EnrichOutcome, RawMessage } from './enrich-step.ts';

export const ENRICHMENT_STAGE = 'enrichment';

export interface FailureHistory {
  readonly attempts: number;
  readonly firstFailureMs: number;
  readonly lastFailureMs: number;
}

export function enrichDlqRecord(
  message: RawMessage,
  outcome: Extract<EnrichOutcome, { kind: 'dlq' }>,
  history: FailureHistory,
  context: DlqContext,
  limits?: DlqLimits,
): DlqRecord {
  const timestampMs = Number(message.timestamp);
  return buildDlqRecord(
    {
      key: message.key,
      value: message.value,
      source: {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        // A missing broker timestamp (-1) is recorded as epoch 0 rather than an invalid date.
        timestampMs: Number.isFinite(timestampMs) && timestampMs >= 0 ? timestampMs : 0,
      },
      failure: {
        stage: ENRICHMENT_STAGE,
        errorClass: outcome.errorClass,
        message: outcome.message,
        stack: outcome.stack,
        reason: outcome.reason,
        path: outcome.path,
        retryable: outcome.retryable,
        ...history,
      },
      context,
      partial: outcome.partial,
    },
    limits,
  );
}
