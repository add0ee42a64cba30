// A decoded dead letter (core's DlqEntry) as a row of dlq_entries: the one place the index's
// columns meet the envelope's fields.
import { Buffer } from 'node:buffer';
import type { DlqEntry } from '@sluice/core';
import type { DlqEntryRow } from '@sluice/db';

const date = (ms: number | null) => (ms === null ? null : new Date(ms));
const bytes = (b: Uint8Array | null) =>
  b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export function toDlqEntryRow(e: DlqEntry): DlqEntryRow {
  return {
    topic: e.topic,
    partition: e.partition,
    offset: BigInt(e.offset),
    recordTimestamp: date(e.recordTimestampMs),
    envelopeVersion: e.envelopeVersion,
    envelopeValid: e.envelope.valid,
    envelopeProblem: e.envelope.valid ? null : e.envelope.problem,
    stage: e.stage,
    errorClass: e.errorClass,
    errorMessage: e.message,
    errorStack: e.stack,
    errorReason: e.reason,
    errorPath: e.path,
    retryable: e.retryable,
    attempts: e.attempts,
    sourceTopic: e.sourceTopic,
    sourcePartition: e.sourcePartition,
    sourceOffset: e.sourceOffset === null ? null : BigInt(e.sourceOffset),
    sourceTimestamp: date(e.sourceTimestampMs),
    firstFailureAt: date(e.firstFailureMs),
    lastFailureAt: date(e.lastFailureMs),
    failedAt: new Date(e.failedAtMs),
    workerId: e.workerId,
    appVersion: e.appVersion,
    geoipBuild: e.geoipBuild,
    signature: e.signature,
    signatureText: e.signatureText,
    eventId: e.eventId,
    eventType: e.eventType,
    headers: e.headers,
    originalKey: bytes(e.key),
    originalValue: bytes(e.value),
    valueBytes: e.value === null ? null : e.value.byteLength,
    payloadText: e.payloadText,
    // JSON null (a partial that was `null`) is stored as no partial.
    partial: e.partial ?? null,
  };
}
