// Replay jobs of the DLQ: one row per job (who, when, what was selected, where to, how fast, an
// optional edit, dry run or not) and one row per entry in the job with what became of it. The
// rows are the job's memory: a job interrupted by a crash resumes from them, and an entry is
// claimed by one live job at a time (a partial unique index), so it is never sent twice.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { dlqEntries } from './dlq.ts';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const dlqReplayJobs = pgTable(
  'dlq_replay_jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdBy: text('created_by').notNull(),
    createdAt: time('created_at').notNull().defaultNow(),
    /** The selection as asked: {ids} or {filter}, kept as given for the record. */
    selection: jsonb('selection').$type<Record<string, unknown>>().notNull(),
    /** `source` (each entry's own source topic) or `stage` (targetStage's input topic). */
    target: text('target').notNull(),
    targetStage: text('target_stage'),
    /** The edit as given: {kind: 'replace' | 'merge-patch', value}. */
    edit: jsonb('edit').$type<Record<string, unknown>>(),
    /** Records per second; null for no limit. */
    rateLimit: real('rate_limit'),
    dryRun: boolean('dry_run').notNull(),
    // planned → running → done (or failed, with the reason); a dry run is `dry-run` for good.
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    startedAt: time('started_at'),
    finishedAt: time('finished_at'),
  },
  (t) => [
    check(
      'dlq_replay_jobs_status_check',
      sql`${t.status} IN ('planned', 'running', 'done', 'failed', 'dry-run')`,
    ),
    index('dlq_replay_jobs_created_idx').on(t.createdAt, t.id),
  ],
);

export const dlqReplayJobEntries = pgTable(
  'dlq_replay_job_entries',
  {
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => dlqReplayJobs.id, { onDelete: 'cascade' }),
    entryId: bigint('entry_id', { mode: 'number' })
      .notNull()
      .references(() => dlqEntries.id, { onDelete: 'cascade' }),
    /** Order of sending within the job. */
    seq: integer('seq').notNull(),
    // pending → sending → sent → succeeded | failed-again; skipped (with skip_reason) from the
    // start; would-send in a dry run.
    state: text('state').notNull(),
    skipReason: text('skip_reason'),
    skipDetail: text('skip_detail'),
    /** The job (and entry) that made this one a skip: already replayed by job N. */
    skipJobId: bigint('skip_job_id', { mode: 'number' }),
    eventId: text('event_id'),
    targetTopic: text('target_topic'),
    key: bytea('key'),
    /** The bytes that are (or would be) sent: the original, or the edited payload. */
    payload: bytea('payload'),
    edited: boolean('edited').notNull().default(false),
    claimedAt: time('claimed_at'),
    sentAt: time('sent_at'),
    outcomeAt: time('outcome_at'),
    /** For failed-again: the entry the replayed event became. */
    newEntryId: bigint('new_entry_id', { mode: 'number' }).references(() => dlqEntries.id, {
      onDelete: 'set null',
    }),
  },
  (t) => [
    primaryKey({ name: 'dlq_replay_job_entries_pkey', columns: [t.jobId, t.entryId] }),
    check(
      'dlq_replay_job_entries_state_check',
      sql`${t.state} IN ('pending', 'sending', 'sent', 'succeeded', 'failed-again', 'skipped', 'would-send')`,
    ),
    // One live replay per entry: what makes overlapping jobs safe.
    uniqueIndex('dlq_replay_job_entries_live_key')
      .on(t.entryId)
      .where(sql`${t.state} IN ('pending', 'sending', 'sent', 'succeeded')`),
    index('dlq_replay_job_entries_job_idx').on(t.jobId, t.state, t.seq),
    index('dlq_replay_job_entries_event_idx').on(t.eventId),
  ],
);
