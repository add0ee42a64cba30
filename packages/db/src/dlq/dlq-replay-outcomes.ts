// What became of replayed events. A sent row's outcome is `failed-again` when the index holds a
// newer entry of the same event (indexed after the row was claimed, or carrying the row's replay
// headers): the row and the old entry are linked to the new one. It is `succeeded` when the
// event reached its stores; which stores is the caller's to check (PostgreSQL's events table
// here, the search index in the worker), since the routing decides where an event goes.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dlqEntries, dlqEntryActions } from '../schema/dlq.ts';
import { dlqReplayJobEntries } from '../schema/dlq-replay.ts';
import { events } from '../schema/events.ts';

const r = dlqReplayJobEntries;
const e = dlqEntries;

export interface FailedAgainLink {
  jobId: number;
  entryId: number;
  newEntryId: number;
}

/** Links sent rows to the entries their events became when dead-lettered again. */
export async function linkFailedAgain(db: Database): Promise<FailedAgainLink[]> {
  return db.transaction(async (tx) => {
    const res = await tx.execute<{ job_id: string; entry_id: string; new_id: string }>(sql`
      WITH hit AS (
        SELECT DISTINCT ON (x.job_id, x.entry_id) x.job_id, x.entry_id, n.id AS new_id
        FROM ${r} x
        JOIN ${e} n ON n.event_id = x.event_id AND n.id <> x.entry_id
        WHERE x.state IN ('sent', 'succeeded') AND x.event_id IS NOT NULL
          AND (
            (n.headers->>'sluice-replay-job' = x.job_id::text
              AND n.headers->>'sluice-replay-entry' = x.entry_id::text)
            OR (n.headers->>'sluice-replay-job' IS NULL AND n.indexed_at >= x.claimed_at)
          )
          AND NOT EXISTS (SELECT 1 FROM ${r} o WHERE o.new_entry_id = n.id)
        ORDER BY x.job_id, x.entry_id, n.id
      )
      UPDATE ${r} x SET state = 'failed-again', new_entry_id = hit.new_id, outcome_at = now()
      FROM hit WHERE x.job_id = hit.job_id AND x.entry_id = hit.entry_id
      RETURNING x.job_id, x.entry_id, hit.new_id`);
    const links = res.rows.map((x) => ({
      jobId: Number(x.job_id),
      entryId: Number(x.entry_id),
      newEntryId: Number(x.new_id),
    }));
    if (links.length === 0) return links;
    await tx.insert(dlqEntryActions).values(
      links.map((l) => ({
        entryId: l.entryId,
        actor: 'replay',
        action: 'failed-again',
        statusBefore: 'replayed',
        statusAfter: 'failed-again',
        jobId: l.jobId,
        relatedEntryId: l.newEntryId,
      })),
    );
    await tx
      .update(e)
      .set({ status: 'failed-again', statusChangedAt: sql`now()`, statusChangedBy: 'replay' })
      .where(
        inArray(
          e.id,
          links.map((l) => l.entryId),
        ),
      );
    return links;
  });
}

export interface AwaitingOutcome {
  jobId: number;
  entryId: number;
  eventId: string;
}

/** Sent rows whose outcome is not known yet. */
export async function replayRowsAwaitingOutcome(
  db: Database,
  limit = 10_000,
): Promise<AwaitingOutcome[]> {
  const rows = await db
    .select({ jobId: r.jobId, entryId: r.entryId, eventId: r.eventId })
    .from(r)
    .where(and(eq(r.state, 'sent'), sql`${r.eventId} IS NOT NULL`))
    .limit(limit);
  return rows as AwaitingOutcome[];
}

/** Which of these event ids PostgreSQL's events table holds. */
export async function storedEventIds(db: Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ id: events.eventId })
    .from(events)
    .where(inArray(events.eventId, [...ids]));
  return new Set(rows.map((x) => x.id));
}

export async function markReplayRowsSucceeded(
  db: Database,
  rows: readonly AwaitingOutcome[],
): Promise<number> {
  if (rows.length === 0) return 0;
  return db.transaction(async (tx) => {
    let n = 0;
    for (const row of rows) {
      const done = await tx
        .update(r)
        .set({ state: 'succeeded', outcomeAt: sql`now()` })
        .where(and(eq(r.jobId, row.jobId), eq(r.entryId, row.entryId), eq(r.state, 'sent')))
        .returning({ entryId: r.entryId });
      if (done.length === 0) continue;
      n++;
      await tx.insert(dlqEntryActions).values({
        entryId: row.entryId,
        actor: 'replay',
        action: 'replay-succeeded',
        statusBefore: 'replayed',
        statusAfter: 'replayed',
        jobId: row.jobId,
      });
    }
    return n;
  });
}
