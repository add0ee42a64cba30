// The SQL of DLQ replay jobs and discards, shared by `sluice dlq` and the console. A job and its
// rows are written in one transaction; sending claims rows (pending → sending) in a transaction
// before the records go out and marks them sent after the broker acknowledged them, so a job
// interrupted at any moment resumes from its rows and knows which records may already be out
// (those left `sending`). An entry is held by at most one live job row (a partial unique index):
// two overlapping jobs cannot both send it.
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Database } from '../client.ts';
import { dlqEntries, dlqEntryActions } from '../schema/dlq.ts';
import { dlqReplayJobEntries, dlqReplayJobs } from '../schema/dlq-replay.ts';
import { type DlqInboxFilter, dlqWhere } from './dlq-inbox.ts';

const r = dlqReplayJobEntries;
const j = dlqReplayJobs;
const e = dlqEntries;

/** Row states that hold an entry: it is being, or has been, replayed by that job. */
export const LIVE_REPLAY_STATES = ['pending', 'sending', 'sent', 'succeeded'] as const;

export type ReplaySelection = { ids: readonly number[] } | { filter: DlqInboxFilter };

export interface ReplayCandidateRow {
  id: number;
  status: string;
  eventId: string | null;
  sourceTopic: string | null;
  key: Buffer | null;
  value: Buffer | null;
  heldBy: { jobId: number; state: string } | undefined;
  eventReplayedBy: { jobId: number; entryId: number } | undefined;
  /** The `sluice.value.truncated` header: the value was cut to the record's size bound. */
  valueTruncated: string | null;
}

/** The entries a selection names, oldest first, with what other jobs did to them. */
export async function loadReplayCandidates(
  db: Database,
  selection: ReplaySelection,
  limit: number,
): Promise<{ candidates: ReplayCandidateRow[]; missing: number[] }> {
  const where: SQL | undefined =
    'ids' in selection ? inArray(e.id, [...selection.ids]) : dlqWhere(selection.filter);
  const rows = await db
    .select({
      id: e.id,
      status: e.status,
      eventId: e.eventId,
      sourceTopic: e.sourceTopic,
      key: e.originalKey,
      value: e.originalValue,
      valueTruncated: sql<string | null>`dlq_entries.headers ->> 'sluice.value.truncated'`,
      // Column names written out with their table: drizzle leaves a lone table's columns
      // unqualified, and inside these subqueries "event_id" would be the inner table's.
      heldJob: sql<string | null>`(SELECT h.job_id FROM ${r} h WHERE h.entry_id = dlq_entries.id
        AND h.state IN ('pending', 'sending', 'sent', 'succeeded') LIMIT 1)`,
      heldState: sql<string | null>`(SELECT h.state FROM ${r} h WHERE h.entry_id = dlq_entries.id
        AND h.state IN ('pending', 'sending', 'sent', 'succeeded') LIMIT 1)`,
      // Another entry of the same event, replayed: its record is in the pipeline already.
      eventBy: sql<string | null>`(SELECT h.job_id || ':' || h.entry_id FROM ${r} h
        WHERE dlq_entries.event_id IS NOT NULL AND h.event_id = dlq_entries.event_id
          AND h.entry_id <> dlq_entries.id AND h.state IN ('sent', 'succeeded') LIMIT 1)`,
    })
    .from(e)
    .where(where)
    .orderBy(asc(e.id))
    .limit(limit);
  const found = new Set(rows.map((x) => x.id));
  const missing = 'ids' in selection ? selection.ids.filter((id) => !found.has(id)) : [];
  return {
    missing,
    candidates: rows.map((x) => {
      const [byJob, byEntry] = (x.eventBy ?? '').split(':');
      return {
        id: x.id,
        status: x.status,
        eventId: x.eventId,
        sourceTopic: x.sourceTopic,
        key: x.key,
        value: x.value,
        valueTruncated: x.valueTruncated,
        heldBy:
          x.heldJob === null ? undefined : { jobId: Number(x.heldJob), state: x.heldState ?? '' },
        eventReplayedBy: x.eventBy ? { jobId: Number(byJob), entryId: Number(byEntry) } : undefined,
      };
    }),
  };
}

export interface NewReplayJob {
  createdBy: string;
  selection: Record<string, unknown>;
  target: 'source' | 'stage';
  targetStage: string | null;
  edit: Record<string, unknown> | null;
  rateLimit: number | null;
  dryRun: boolean;
}

export type ReplayJobItem =
  | {
      entryId: number;
      action: 'send';
      eventId: string | null;
      topic: string;
      key: Uint8Array | null;
      payload: Uint8Array;
      edited: boolean;
    }
  | {
      entryId: number;
      action: 'skip';
      eventId: string | null;
      reason: string;
      detail: string;
      byJobId?: number;
    };

const buf = (b: Uint8Array | null) =>
  b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * Records the job and its plan. Entries another job took between planning and now are recorded
 * as skipped (in-another-job) instead of pending: the partial unique index decides.
 */
export async function createReplayJob(
  db: Database,
  job: NewReplayJob,
  items: readonly ReplayJobItem[],
): Promise<{ jobId: number; pending: number; skipped: number }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(j)
      .values({ ...job, status: job.dryRun ? 'dry-run' : 'planned' })
      .returning({ id: j.id });
    const jobId = (row as { id: number }).id;
    let pending = 0;
    let skipped = 0;
    const skips: (typeof r.$inferInsert)[] = [];
    for (const [seq, it] of items.entries()) {
      const base = { jobId, entryId: it.entryId, seq, eventId: it.eventId };
      if (it.action === 'skip') {
        skips.push({
          ...base,
          state: 'skipped',
          skipReason: it.reason,
          skipDetail: it.detail,
          skipJobId: it.byJobId ?? null,
        });
        continue;
      }
      const send = {
        ...base,
        targetTopic: it.topic,
        key: buf(it.key),
        payload: buf(it.payload),
        edited: it.edited,
      };
      if (job.dryRun) {
        await tx.insert(r).values({ ...send, state: 'would-send' });
        pending++;
        continue;
      }
      const ins = await tx
        .insert(r)
        .values({ ...send, state: 'pending' })
        .onConflictDoNothing({
          target: r.entryId,
          where: sql`state IN ('pending', 'sending', 'sent', 'succeeded')`,
        })
        .returning({ entryId: r.entryId });
      if (ins.length === 1) {
        pending++;
        continue;
      }
      const [holder] = await tx
        .select({ jobId: r.jobId })
        .from(r)
        .where(and(eq(r.entryId, it.entryId), inArray(r.state, [...LIVE_REPLAY_STATES])));
      skips.push({
        ...base,
        state: 'skipped',
        skipReason: 'in-another-job',
        skipDetail: `job ${holder?.jobId} took it first`,
        skipJobId: holder?.jobId ?? null,
      });
    }
    for (let i = 0; i < skips.length; i += 500) await tx.insert(r).values(skips.slice(i, i + 500));
    skipped = skips.length;
    return { jobId, pending, skipped };
  });
}

export interface ClaimedReplayRow {
  entryId: number;
  eventId: string | null;
  topic: string;
  key: Buffer | null;
  payload: Buffer;
  claimedAt: Date;
  /** The entry's stage: where it failed, which decides the sinks a storage replay may write. */
  stage: string | null;
}

const claimedColumns = {
  entryId: r.entryId,
  eventId: r.eventId,
  topic: sql<string>`${r.targetTopic}`,
  key: r.key,
  payload: sql<Buffer>`${r.payload}`,
  // Raw SQL is not mapped by drizzle (a timestamp would stay a string): mapped as the column is.
  claimedAt: sql<Date>`${r.claimedAt}`.mapWith(r.claimedAt),
  stage: sql<
    string | null
  >`(SELECT s.stage FROM ${e} s WHERE s.id = dlq_replay_job_entries.entry_id)`,
};

/**
 * Only one runner per job: a session-level advisory lock on a connection of its own, held until
 * `release`. Undefined when another runner holds the job.
 */
const REPLAY_LOCK_CLASS = 0x51_1c_e0;

export async function lockReplayJob(
  db: Database,
  jobId: number,
): Promise<(() => Promise<void>) | undefined> {
  const client: pg.PoolClient = await db.$client.connect();
  const key = [REPLAY_LOCK_CLASS, jobId];
  try {
    const got = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, $2) AS ok',
      key,
    );
    if (!got.rows[0]?.ok) {
      client.release();
      return undefined;
    }
  } catch (err) {
    client.release();
    throw err;
  }
  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock($1, $2)', key);
    } finally {
      client.release();
    }
  };
}

/**
 * Jobs among `jobIds` whose runner is alive: some session holds the job's lock. Read from
 * pg_locks, so asking takes no lock and never keeps a runner from starting.
 */
export async function replayJobsHeld(
  db: Database,
  jobIds: readonly number[],
): Promise<Set<number>> {
  if (jobIds.length === 0) return new Set();
  // The two-key form of an advisory lock is classid, objid and objsubid 2.
  const res = await db.execute<{ job_id: string }>(sql`SELECT objid::bigint AS job_id
    FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
      AND classid = ${REPLAY_LOCK_CLASS}
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND objid::bigint IN ${sql.raw(`(${jobIds.map(Number).join(',')})`)}`);
  return new Set(res.rows.map((x) => Number(x.job_id)));
}

/**
 * Hands a job that stopped mid-run (running or failed, its runner gone) back to the workers,
 * which take planned jobs: the job's lock is held while it changes, so no runner is active.
 * False when a runner holds the job or the job is not in a state that stopped.
 */
export async function requestReplayResume(
  db: Database,
  jobId: number,
  actor: string,
): Promise<boolean> {
  const release = await lockReplayJob(db, jobId);
  if (!release) return false;
  try {
    const rows = await db
      .update(j)
      .set({ status: 'planned', statusReason: `resume requested by ${actor}`, finishedAt: null })
      .where(and(eq(j.id, jobId), eq(j.dryRun, false), inArray(j.status, ['running', 'failed'])))
      .returning({ id: j.id });
    return rows.length === 1;
  } finally {
    await release();
  }
}

/** Rows a previous run claimed and may or may not have sent. */
export async function inFlightReplayRows(db: Database, jobId: number): Promise<ClaimedReplayRow[]> {
  return db
    .select(claimedColumns)
    .from(r)
    .where(and(eq(r.jobId, jobId), eq(r.state, 'sending')))
    .orderBy(asc(r.seq));
}

/**
 * The next `n` pending rows, now `sending`. Rows whose entry was discarded since the job was
 * planned are skipped instead.
 */
export async function claimReplayRows(
  db: Database,
  jobId: number,
  n: number,
): Promise<ClaimedReplayRow[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`UPDATE ${r} SET state = 'skipped', skip_reason = 'discarded',
        skip_detail = 'discarded after the job was planned'
      WHERE job_id = ${jobId} AND state = 'pending'
        AND entry_id IN (SELECT id FROM ${e} WHERE status = 'discarded')`);
    // The batch is chosen once in a CTE: as an IN (... LIMIT n) subquery the planner may run it
    // again per row, and the statement claimed all 30 rows of a job at rate 4/s (measured).
    const res = await tx.execute<{ entry_id: string }>(sql`WITH batch AS (
        SELECT entry_id FROM ${r} WHERE job_id = ${jobId} AND state = 'pending'
        ORDER BY seq LIMIT ${n} FOR UPDATE SKIP LOCKED)
      UPDATE ${r} x SET state = 'sending', claimed_at = now()
      FROM batch WHERE x.job_id = ${jobId} AND x.entry_id = batch.entry_id
      RETURNING x.entry_id`);
    const ids = res.rows.map((x) => Number(x.entry_id));
    if (ids.length === 0) return [];
    return tx
      .select(claimedColumns)
      .from(r)
      .where(and(eq(r.jobId, jobId), inArray(r.entryId, ids)))
      .orderBy(asc(r.seq));
  });
}

/** The broker acknowledged these: the rows are sent, the entries replayed, with history. */
export async function markReplayRowsSent(
  db: Database,
  jobId: number,
  actor: string,
  entryIds: readonly number[],
): Promise<void> {
  if (entryIds.length === 0) return;
  await db.transaction(async (tx) => {
    await tx
      .update(r)
      .set({ state: 'sent', sentAt: sql`now()` })
      .where(and(eq(r.jobId, jobId), inArray(r.entryId, [...entryIds]), eq(r.state, 'sending')));
    await tx.execute(sql`INSERT INTO ${dlqEntryActions}
        (entry_id, actor, action, status_before, status_after, job_id)
      SELECT id, ${actor}, 'replay-sent', status, 'replayed', ${jobId} FROM ${e}
      WHERE id IN ${sql.raw(`(${entryIds.map(Number).join(',')})`)}`);
    await tx
      .update(e)
      .set({ status: 'replayed', statusChangedAt: sql`now()`, statusChangedBy: actor })
      .where(inArray(e.id, [...entryIds]));
  });
}

/** Claimed rows that were not sent (the send failed, or a resume found them not out): pending. */
export async function releaseReplayRows(
  db: Database,
  jobId: number,
  entryIds: readonly number[],
): Promise<void> {
  if (entryIds.length === 0) return;
  await db
    .update(r)
    .set({ state: 'pending', claimedAt: null })
    .where(and(eq(r.jobId, jobId), inArray(r.entryId, [...entryIds]), eq(r.state, 'sending')));
}

export async function setReplayJobStatus(
  db: Database,
  jobId: number,
  status: 'running' | 'done' | 'failed',
  reason?: string,
): Promise<void> {
  await db
    .update(j)
    .set({
      status,
      statusReason: reason ?? null,
      ...(status === 'running'
        ? { startedAt: sql`coalesce(${j.startedAt}, now())` }
        : { finishedAt: sql`now()` }),
    })
    .where(eq(j.id, jobId));
}

export interface ReplayJobSummary {
  id: number;
  createdBy: string;
  createdAt: Date;
  selection: Record<string, unknown>;
  target: string;
  targetStage: string | null;
  edit: Record<string, unknown> | null;
  rateLimit: number | null;
  dryRun: boolean;
  status: string;
  statusReason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Rows by state: pending, sending, sent, succeeded, failed-again, skipped, would-send. */
  counts: Record<string, number>;
}

const countsSql = sql<Record<string, number> | null>`(SELECT jsonb_object_agg(state, n) FROM
  (SELECT state, count(*)::int AS n FROM ${r} WHERE job_id = ${j.id} GROUP BY state) c)`;

export async function listReplayJobs(db: Database, limit: number): Promise<ReplayJobSummary[]> {
  const rows = await db
    .select({ job: j, counts: countsSql })
    .from(j)
    .orderBy(desc(j.createdAt), desc(j.id))
    .limit(limit);
  return rows.map((x) => ({ ...x.job, counts: x.counts ?? {} }));
}

export interface ReplayJobRow {
  entryId: number;
  seq: number;
  state: string;
  skipReason: string | null;
  skipDetail: string | null;
  skipJobId: number | null;
  eventId: string | null;
  targetTopic: string | null;
  key: Buffer | null;
  payload: Buffer | null;
  edited: boolean;
  claimedAt: Date | null;
  sentAt: Date | null;
  outcomeAt: Date | null;
  newEntryId: number | null;
}

export async function getReplayJob(
  db: Database,
  jobId: number,
  rowLimit = 1000,
): Promise<{ job: ReplayJobSummary; rows: ReplayJobRow[] } | undefined> {
  const [x] = await db.select({ job: j, counts: countsSql }).from(j).where(eq(j.id, jobId));
  if (!x) return undefined;
  const rows = await db
    .select({
      entryId: r.entryId,
      seq: r.seq,
      state: r.state,
      skipReason: r.skipReason,
      skipDetail: r.skipDetail,
      skipJobId: r.skipJobId,
      eventId: r.eventId,
      targetTopic: r.targetTopic,
      key: r.key,
      payload: r.payload,
      edited: r.edited,
      claimedAt: r.claimedAt,
      sentAt: r.sentAt,
      outcomeAt: r.outcomeAt,
      newEntryId: r.newEntryId,
    })
    .from(r)
    .where(eq(r.jobId, jobId))
    .orderBy(asc(r.seq))
    .limit(rowLimit);
  return { job: { ...x.job, counts: x.counts ?? {} }, rows };
}

/**
 * Jobs nobody runs, planned at least `graceMs` ago (the CLI runs its own at once; the console's
 * wait for a worker). A job that stopped mid-run (running, failed) is left to an explicit
 * resume (requestReplayResume plans it again): its rows say what is left and which may be out.
 */
export async function plannedReplayJobs(db: Database, graceMs: number): Promise<number[]> {
  const rows = await db
    .select({ id: j.id })
    .from(j)
    .where(
      and(
        eq(j.status, 'planned'),
        eq(j.dryRun, false),
        sql`${j.createdAt} < now() - make_interval(secs => ${graceMs / 1000})`,
      ),
    )
    .orderBy(asc(j.id))
    .limit(10);
  return rows.map((x) => x.id);
}

/** Jobs a run stopped in the middle of (planned or running, with rows left to send). */
export async function unfinishedReplayJobs(db: Database): Promise<number[]> {
  const rows = await db
    .select({ id: j.id })
    .from(j)
    .where(inArray(j.status, ['planned', 'running', 'failed']))
    .orderBy(asc(j.id));
  return rows.map((x) => x.id);
}

export interface DiscardResult {
  discarded: number[];
  /** Already discarded, or held by a live replay (pending, sending, sent or succeeded). */
  refused: { id: number; reason: string }[];
  missing: number[];
}

/** Discards entries with a reason; an entry a live replay holds is refused, saying which job. */
export async function discardDlqEntries(
  db: Database,
  ids: readonly number[],
  actor: string,
  reason: string,
): Promise<DiscardResult> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({
        id: e.id,
        status: e.status,
        heldJob: sql<string | null>`(SELECT h.job_id || ' (' || h.state || ')' FROM ${r} h
          WHERE h.entry_id = dlq_entries.id AND h.state IN ('pending', 'sending', 'sent', 'succeeded')
          LIMIT 1)`,
      })
      .from(e)
      .where(inArray(e.id, [...ids]))
      .for('update');
    const found = new Set(rows.map((x) => x.id));
    const refused: DiscardResult['refused'] = [];
    const ok: { id: number; status: string }[] = [];
    for (const x of rows) {
      if (x.status === 'discarded') refused.push({ id: x.id, reason: 'already discarded' });
      else if (x.heldJob) refused.push({ id: x.id, reason: `replayed by job ${x.heldJob}` });
      else ok.push(x);
    }
    if (ok.length > 0) {
      await tx.insert(dlqEntryActions).values(
        ok.map((x) => ({
          entryId: x.id,
          actor,
          action: 'discarded',
          statusBefore: x.status,
          statusAfter: 'discarded',
          reason,
        })),
      );
      await tx
        .update(e)
        .set({ status: 'discarded', statusChangedAt: sql`now()`, statusChangedBy: actor })
        .where(
          inArray(
            e.id,
            ok.map((x) => x.id),
          ),
        );
    }
    return {
      discarded: ok.map((x) => x.id),
      refused,
      missing: ids.filter((id) => !found.has(id)),
    };
  });
}
