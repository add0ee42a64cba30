// Dead-letters what the storage writers cannot store: records they cannot read (before their
// batch counts as taken) and records a sink refused for good, with the failure's real history as
// the sink runner saw it (first failure, last failure, attempts). The original key and bytes go
// unchanged; the failure travels in `sluice.*` headers (core's buildDlqRecord).
import { buildDlqRecord, type DlqFailure, type DlqSource } from '@sluice/core';
import type { RejectedRecord } from './batch-routing.ts';
import type { DeadLetter } from './sink.ts';

export interface DlqMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface StorageDlqOptions {
  workerId: string;
  appVersion: string;
  /** Produces to the DLQ topic; resolves only once the broker has every message. */
  send(messages: DlqMessage[]): Promise<void>;
  now?: () => number;
}

export interface StorageDlq {
  /** Records that could not be read: refused at the first and only try, now. */
  rejected(records: readonly RejectedRecord[]): Promise<void>;
  /** Records the sink refused for good. */
  refused(sink: string, letters: readonly DeadLetter[]): Promise<void>;
}

interface Original extends DlqSource {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export function createStorageDlq(o: StorageDlqOptions): StorageDlq {
  const now = o.now ?? Date.now;
  const context = { workerId: o.workerId, appVersion: o.appVersion };
  const message = (record: Original, failure: DlqFailure): DlqMessage => {
    const d = buildDlqRecord({
      key: record.key,
      value: record.value,
      source: {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestampMs: record.timestampMs,
      },
      failure,
      context,
    });
    return {
      key: d.key ? Buffer.from(d.key) : null,
      value: d.value ? Buffer.from(d.value) : null,
      headers: { ...d.headers },
    };
  };
  const send = async (messages: DlqMessage[]) => {
    if (messages.length > 0) await o.send(messages);
  };

  return {
    rejected(records) {
      const at = now();
      return send(
        records.map(({ record, reason, message: text }) =>
          message(record, {
            stage: 'storage',
            errorClass: 'InvalidRecord',
            reason,
            message: text,
            retryable: false,
            attempts: 1,
            firstFailureMs: at,
            lastFailureMs: at,
          }),
        ),
      );
    },
    refused(sink, letters) {
      return send(
        letters.map((f) =>
          message(f.record, {
            stage: `storage:${sink}`,
            errorClass: f.errorClass,
            message: f.message,
            retryable: f.retryable,
            attempts: f.attempts,
            firstFailureMs: f.firstFailureMs,
            lastFailureMs: f.lastFailureMs,
          }),
        ),
      );
    },
  };
}
