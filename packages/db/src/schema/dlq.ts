// The DLQ index: one row per record of the dead-letter topic, written by the `dlq-indexer`
// worker (consumer group dlq-indexers) and read by the inbox and `sluice dlq`. The topic stays
// the source of truth; the index is keyed by the record's (topic, partition, offset), so a record
// read twice is indexed once and the index can be rebuilt from the topic at any time.
//
// What the record says (envelope, headers, bytes) is never changed after indexing. What
// operators do to an entry lives beside it: its status, and the history of actions in
// dlq_entry_actions. Text search (error message, payload) uses trigram indexes added by the
// migration's custom SQL where pg_trgm is available.
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
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const dlqEntries = pgTable(
  'dlq_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // Where the dead letter is: the record's identity, and the index's idempotence key.
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: bigint('offset', { mode: 'bigint' }).notNull(),
    recordTimestamp: time('record_timestamp'),
    // The envelope as the stage wrote it; a record that is not a valid envelope is indexed
    // anyway, with the first problem found.
    envelopeVersion: text('envelope_version'),
    envelopeValid: boolean('envelope_valid').notNull(),
    envelopeProblem: text('envelope_problem'),
    stage: text('stage').notNull(),
    errorClass: text('error_class').notNull(),
    errorMessage: text('error_message').notNull(),
    errorStack: text('error_stack'),
    errorReason: text('error_reason'),
    errorPath: text('error_path'),
    retryable: boolean('retryable'),
    attempts: integer('attempts'),
    sourceTopic: text('source_topic'),
    sourcePartition: integer('source_partition'),
    sourceOffset: bigint('source_offset', { mode: 'bigint' }),
    sourceTimestamp: time('source_timestamp'),
    firstFailureAt: time('first_failure_at'),
    lastFailureAt: time('last_failure_at'),
    // The last failure, else the record's time: what the inbox orders and filters by.
    failedAt: time('failed_at').notNull(),
    workerId: text('worker_id'),
    appVersion: text('app_version'),
    geoipBuild: text('geoip_build'),
    // 32 hex characters; signature_text is what an operator reads.
    signature: text('signature').notNull(),
    signatureText: text('signature_text').notNull(),
    eventId: text('event_id'),
    eventType: text('event_type'),
    // Every header of the record: name → text, or {encoding: 'base64', data} for bytes that are
    // not text; a name that occurs more than once → an array.
    headers: jsonb('headers').$type<Record<string, unknown>>().notNull(),
    originalKey: bytea('original_key'),
    originalValue: bytea('original_value'),
    valueBytes: integer('value_bytes'),
    // The payload's start as text, for text search; null when it is not UTF-8.
    payloadText: text('payload_text'),
    // The partly enriched event, where the stage got that far.
    partial: jsonb('partial'),
    status: text('status').notNull().default('new'),
    statusChangedAt: time('status_changed_at'),
    statusChangedBy: text('status_changed_by'),
    // When the index first read the record (a rebuild does not move it).
    indexedAt: time('indexed_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dlq_entries_record_key').on(t.topic, t.partition, t.offset),
    check(
      'dlq_entries_status_check',
      sql`${t.status} IN ('new', 'replayed', 'discarded', 'failed-again')`,
    ),
    // Keyset paging, newest failure first: (failed_at, id) after a leading equality filter.
    index('dlq_entries_failed_at_idx').on(t.failedAt, t.id),
    // Also what the inbox groups by: every column the grouped view counts or filters on (after
    // id, which is unique, they only cover), so grouping 100,000 entries reads this index alone.
    index('dlq_entries_signature_idx').on(
      t.signature,
      t.failedAt,
      t.id,
      t.status,
      t.stage,
      t.errorClass,
      t.eventType,
    ),
    index('dlq_entries_status_idx').on(t.status, t.failedAt, t.id),
    index('dlq_entries_stage_idx').on(t.stage, t.failedAt, t.id),
    index('dlq_entries_error_class_idx').on(t.errorClass, t.failedAt, t.id),
    index('dlq_entries_event_type_idx').on(t.eventType, t.failedAt, t.id),
    // The event trace and replay look entries up by the event they hold.
    index('dlq_entries_event_id_idx').on(t.eventId),
  ],
);

/**
 * What was done to an entry, oldest first: replays and their outcomes, discards, a failure
 * again (linked to the new entry), each with who and when. Written by the inbox and replay.
 */
export const dlqEntryActions = pgTable(
  'dlq_entry_actions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entryId: bigint('entry_id', { mode: 'number' })
      .notNull()
      .references(() => dlqEntries.id, { onDelete: 'cascade' }),
    at: time('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    // replay-sent, replay-succeeded, failed-again, discarded, restored, ...
    action: text('action').notNull(),
    statusBefore: text('status_before'),
    statusAfter: text('status_after'),
    // The replay job, once replay jobs exist (a table of their own).
    jobId: bigint('job_id', { mode: 'number' }),
    // For failed-again: the new entry the replayed event became.
    relatedEntryId: bigint('related_entry_id', { mode: 'number' }).references(() => dlqEntries.id, {
      onDelete: 'set null',
    }),
    reason: text('reason'),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('dlq_entry_actions_entry_idx').on(t.entryId, t.at),
    index('dlq_entry_actions_job_idx').on(t.jobId),
  ],
);

/**
 * How far the index has read, per partition of the DLQ topic: the offset of the last record it
 * indexed and when. Written in the same transaction as the entries, so it never claims more
 * than the index holds. (The consumer group's committed offsets say where a restarted indexer
 * resumes; this says, without asking Kafka, what the index covers.)
 */
export const dlqIndexPositions = pgTable(
  'dlq_index_positions',
  {
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    lastOffset: bigint('last_offset', { mode: 'bigint' }).notNull(),
    updatedAt: time('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'dlq_index_positions_pkey', columns: [t.topic, t.partition] })],
);
