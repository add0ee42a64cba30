// The DLQ indexer as a stage of the stage runner (external mode): each batch read from the DLQ
// topic is decoded (core's decodeDlqEntry: never throws, a record that is not an envelope is
// indexed with what can be read) and written to PostgreSQL before `process` returns, so every
// consumed record is durable when the runner asks which offsets it may commit: all of them, up
// to the consumer's positions. A crash between the write and the commit reads the batch again;
// the index's key (topic, partition, offset) makes that a no-op.
//
// A transient database fault is retried with backoff; past that the stage fails and the worker
// exits non-zero (its orchestrator restarts it; it resumes from the last commit). A row the
// database refuses for its content, which decoding is meant to rule out, is written bare (bytes,
// position, the database's reason) rather than stall the partition behind it.
import { type DlqEntry, decodeDlqEntry } from '@sluice/core';
import type { DlqEntryRow, DlqWriteResult } from '@sluice/db';
import type { ConsumedMessage, LogFn, OffsetCommit, Stage } from '@sluice/kafka';
import pRetry, { AbortError } from 'p-retry';
import { toDlqEntryRow } from './dlq-entry-row.ts';
import type { DlqIndexerMetrics } from './dlq-indexer-metrics.ts';
import { dlqTopicRecord } from './dlq-topic-record.ts';

export interface DlqIndexerStageOptions {
  /** Writes a batch and the read position it reaches, in one transaction. */
  write(rows: DlqEntryRow[]): Promise<DlqWriteResult>;
  log: LogFn;
  metrics?: DlqIndexerMetrics;
  /** Retries of a failed write before the stage gives up (default 8: about 45 s of backoff). */
  retries?: number;
  minBackoffMs?: number;
  /**
   * Set by a rebuild, which reads with a throwaway group and commits nothing: the consumer's
   * positions are reported here instead, so it knows how far it got. Unset (the indexer), every
   * position is committed, as every record consumed by then is written.
   */
  observePositions?: (positions: OffsetCommit[]) => void;
}

/** PostgreSQL refuses the data itself (SQLSTATE class 22, 23 or 54): retrying cannot help. */
export function isContentError(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

function reasonOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}

/** A row with only what cannot be refused: where it is, when, its bytes, and why it is bare. */
export function bareRow(row: DlqEntryRow, reason: string): DlqEntryRow {
  const cut = (s: string | null | undefined) => (s ? s.slice(0, 200) : null);
  return {
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    recordTimestamp: row.recordTimestamp ?? null,
    envelopeValid: false,
    envelopeProblem: `not indexable as read, kept bare: ${reason}`.slice(0, 1000),
    stage: cut(row.stage) ?? 'unknown',
    errorClass: cut(row.errorClass) ?? 'unknown',
    errorMessage: cut(row.errorMessage) ?? '',
    failedAt: row.failedAt,
    signature: row.signature,
    signatureText: cut(row.signatureText) ?? '',
    headers: {},
    originalKey: row.originalKey ?? null,
    originalValue: row.originalValue ?? null,
    valueBytes: row.valueBytes ?? null,
  };
}

function decode(m: ConsumedMessage): DlqEntry {
  const record = dlqTopicRecord(m);
  try {
    return decodeDlqEntry(record);
  } catch (err) {
    // Decoding is built not to throw; if a bug makes it, the record is still indexed (its bytes
    // and position) rather than stopping the index at it.
    const bare = decodeDlqEntry({ ...record, headers: {} });
    return {
      ...bare,
      envelope: { valid: false, problem: `could not be decoded: ${reasonOf(err)}` },
    };
  }
}

export function createDlqIndexerStage(o: DlqIndexerStageOptions): Stage {
  const write = (rows: DlqEntryRow[]) =>
    pRetry(
      async () => {
        try {
          return await o.write(rows);
        } catch (err) {
          if (isContentError(err)) throw new AbortError(err as Error);
          throw err;
        }
      },
      {
        retries: o.retries ?? 8,
        minTimeout: o.minBackoffMs ?? 500,
        maxTimeout: 10_000,
        factor: 2,
        randomize: true,
        onFailedAttempt: ({ error, retriesLeft }) => {
          o.metrics?.writeRetries.inc();
          if (retriesLeft > 0)
            o.log(
              'warn',
              `DLQ index write failed, retrying (${retriesLeft} left): ${reasonOf(error)}`,
            );
        },
      },
    );

  /** One at a time after a content error: only the rows PostgreSQL refuses are kept bare. */
  async function writeOneByOne(rows: DlqEntryRow[]): Promise<number> {
    let inserted = 0;
    for (const row of rows) {
      try {
        inserted += (await write([row])).inserted;
      } catch (err) {
        if (!isContentError(err)) throw err;
        const reason = reasonOf(err);
        o.log(
          'error',
          `DLQ record ${row.topic}[${row.partition}]@${row.offset} indexed bare: ${reason}`,
        );
        inserted += (await write([bareRow(row, reason)])).inserted;
      }
    }
    return inserted;
  }

  return {
    async process(messages) {
      const entries = messages.map(decode);
      const rows = entries.map(toDlqEntryRow);
      const end = o.metrics?.writeSeconds.startTimer();
      let inserted: number;
      try {
        inserted = (await write(rows)).inserted;
      } catch (err) {
        if (!isContentError(err))
          throw new Error(`DLQ index write failed for good: ${reasonOf(err)}`);
        inserted = await writeOneByOne(rows);
      }
      end?.();
      o.metrics?.read.inc(messages.length);
      o.metrics?.inserted.inc(inserted);
      o.metrics?.invalidEnvelopes.inc(entries.filter((e) => !e.envelope.valid).length);
      return { records: [] };
    },
    durableOffsets(positions) {
      if (o.observePositions) {
        o.observePositions(positions);
        return [];
      }
      // Every record consumed so far was written in `process` before the runner got here.
      return positions;
    },
  };
}
