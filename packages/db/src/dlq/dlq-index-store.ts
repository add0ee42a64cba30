// Writes of the DLQ index: a batch of entries and the read position it reaches, in one
// transaction. The indexer inserts with ON CONFLICT DO NOTHING on (topic, partition, offset), so
// a record read again after a crash or a rebalance is not indexed twice; a rebuild re-derives
// what the record says (signature, decoded fields) and keeps what operators did (id, status).
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dlqEntries, dlqIndexPositions } from '../schema/dlq.ts';

export type DlqEntryRow = typeof dlqEntries.$inferInsert;

export type DlqWriteMode =
  /** The indexer: an entry once indexed is never rewritten. */
  | 'insert'
  /** A rebuild: what the record says is derived again; status and history stay. */
  | 'rederive';

export interface DlqWriteResult {
  /** Entries new to the index. */
  inserted: number;
}

/** Rows per INSERT statement: 40 columns each, well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_STATEMENT = 500;

// Everything decoded from the record; never id, status, status_changed_*, indexed_at.
const DERIVED = [
  'recordTimestamp',
  'envelopeVersion',
  'envelopeValid',
  'envelopeProblem',
  'stage',
  'errorClass',
  'errorMessage',
  'errorStack',
  'errorReason',
  'errorPath',
  'retryable',
  'attempts',
  'sourceTopic',
  'sourcePartition',
  'sourceOffset',
  'sourceTimestamp',
  'firstFailureAt',
  'lastFailureAt',
  'failedAt',
  'workerId',
  'appVersion',
  'geoipBuild',
  'signature',
  'signatureText',
  'eventId',
  'eventType',
  'headers',
  'originalKey',
  'originalValue',
  'valueBytes',
  'payloadText',
  'partial',
] as const satisfies readonly (keyof DlqEntryRow)[];

const REDERIVE_SET = Object.fromEntries(
  DERIVED.map((k) => [k, sql.raw(`excluded."${dlqEntries[k].name}"`)]),
);

/** The last offset per partition among `rows`. */
function lastOffsets(rows: readonly DlqEntryRow[]) {
  const last = new Map<string, { topic: string; partition: number; lastOffset: bigint }>();
  for (const r of rows) {
    const k = `${r.topic}\u0000${r.partition}`;
    const seen = last.get(k);
    if (!seen || r.offset > seen.lastOffset)
      last.set(k, { topic: r.topic, partition: r.partition, lastOffset: r.offset });
  }
  return [...last.values()];
}

export async function writeDlqEntries(
  db: Database,
  rows: readonly DlqEntryRow[],
  mode: DlqWriteMode = 'insert',
): Promise<DlqWriteResult> {
  if (rows.length === 0) return { inserted: 0 };
  return db.transaction(async (tx) => {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const insert = tx.insert(dlqEntries).values(chunk);
      const target = [dlqEntries.topic, dlqEntries.partition, dlqEntries.offset];
      const r =
        mode === 'insert'
          ? await insert.onConflictDoNothing({ target }).returning({ id: dlqEntries.id })
          : // xmax = 0 only on the rows this statement inserted, not on those it updated.
            (
              await insert
                .onConflictDoUpdate({ target, set: REDERIVE_SET })
                .returning({ id: dlqEntries.id, inserted: sql<boolean>`(xmax = 0)` })
            ).filter((x) => x.inserted);
      inserted += r.length;
    }
    // The position never moves back: a partition read again (rebuild, rebalance) keeps it.
    await tx
      .insert(dlqIndexPositions)
      .values(lastOffsets(rows))
      .onConflictDoUpdate({
        target: [dlqIndexPositions.topic, dlqIndexPositions.partition],
        set: {
          lastOffset: sql`GREATEST(${dlqIndexPositions.lastOffset}, EXCLUDED.last_offset)`,
          updatedAt: sql`now()`,
        },
      });
    return { inserted };
  });
}

export interface DlqIndexPosition {
  topic: string;
  partition: number;
  lastOffset: string;
  updatedAt: Date;
}

/** How far the index has read, per partition. */
export async function readDlqIndexPositions(db: Database): Promise<DlqIndexPosition[]> {
  const rows = await db
    .select()
    .from(dlqIndexPositions)
    .orderBy(dlqIndexPositions.topic, dlqIndexPositions.partition);
  return rows.map((r) => ({ ...r, lastOffset: r.lastOffset.toString() }));
}
