// Reads of the DLQ index for the inbox (`sluice dlq`, and the console on the same functions):
// entries grouped by signature, entries page by page (keyset: newest failure first, by
// (failed_at, id), so a page costs the same at entry 100 as at entry 100,000), and one entry with
// its history. Filters are plain values here; callers validate them (core's dlqFilterSchema).
import { and, asc, desc, eq, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dlqEntries, dlqEntryActions } from '../schema/dlq.ts';

export interface DlqInboxFilter {
  stage?: string | undefined;
  errorClass?: string | undefined;
  eventType?: string | undefined;
  signature?: string | undefined;
  status?: readonly string[] | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /** Case-insensitive substring of the error message or the payload. */
  text?: string | undefined;
}

const e = dlqEntries;

/** `%` and `_` in what the user typed are literal. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function dlqWhere(f: DlqInboxFilter): SQL | undefined {
  const parts: (SQL | undefined)[] = [
    f.stage === undefined ? undefined : eq(e.stage, f.stage),
    f.errorClass === undefined ? undefined : eq(e.errorClass, f.errorClass),
    f.eventType === undefined ? undefined : eq(e.eventType, f.eventType),
    f.signature === undefined ? undefined : eq(e.signature, f.signature),
    f.status === undefined || f.status.length === 0 ? undefined : inArray(e.status, [...f.status]),
    f.sinceMs === undefined ? undefined : gte(e.failedAt, new Date(f.sinceMs)),
    f.untilMs === undefined ? undefined : lt(e.failedAt, new Date(f.untilMs)),
    f.text === undefined
      ? undefined
      : or(
          sql`${e.errorMessage} ILIKE ${likePattern(f.text)}`,
          sql`${e.payloadText} ILIKE ${likePattern(f.text)}`,
        ),
  ];
  return and(...parts.filter((p) => p !== undefined));
}

export interface DlqGroup {
  signature: string;
  signatureText: string;
  stage: string;
  errorClass: string;
  count: number;
  byStatus: Record<string, number>;
  firstFailedAt: Date;
  lastFailedAt: Date;
  /** The group's latest entry. */
  sample: {
    id: number;
    message: string;
    reason: string | null;
    path: string | null;
    eventType: string | null;
    eventId: string | null;
  };
}

interface GroupRow extends Record<string, unknown> {
  signature: string;
  n: number;
  n_new: number;
  n_replayed: number;
  n_discarded: number;
  n_failed_again: number;
  first_failed_at: Date | string;
  last_failed_at: Date | string;
  sample_id: string | number;
  signature_text: string;
  stage: string;
  error_class: string;
  error_message: string;
  error_reason: string | null;
  error_path: string | null;
  event_type: string | null;
  event_id: string | null;
}

/**
 * The signatures that match, most recently failing first. The aggregate reads only the indexed
 * columns of the matching entries; the group's text comes from its latest entry, one row each.
 */
export function dlqGroupsQuery(filter: DlqInboxFilter, limit = 50): SQL {
  const where = dlqWhere(filter);
  return sql`
    WITH g AS (
      SELECT ${e.signature} AS signature,
             count(*)::int AS n,
             (count(*) FILTER (WHERE ${e.status} = 'new'))::int AS n_new,
             (count(*) FILTER (WHERE ${e.status} = 'replayed'))::int AS n_replayed,
             (count(*) FILTER (WHERE ${e.status} = 'discarded'))::int AS n_discarded,
             (count(*) FILTER (WHERE ${e.status} = 'failed-again'))::int AS n_failed_again,
             min(${e.failedAt}) AS first_failed_at,
             max(${e.failedAt}) AS last_failed_at,
             max(${e.id}) AS sample_id
      FROM ${e}
      ${where ? sql`WHERE ${where}` : sql``}
      GROUP BY ${e.signature}
      ORDER BY last_failed_at DESC, signature
      LIMIT ${limit}
    )
    SELECT g.*, s.signature_text, s.stage, s.error_class, s.error_message, s.error_reason,
           s.error_path, s.event_type, s.event_id
    FROM g JOIN ${e} s ON s.id = g.sample_id
    ORDER BY g.last_failed_at DESC, g.signature`;
}

export async function listDlqGroups(
  db: Database,
  filter: DlqInboxFilter,
  limit = 50,
): Promise<DlqGroup[]> {
  const r = await db.execute<GroupRow>(dlqGroupsQuery(filter, limit));
  return r.rows.map((row) => ({
    signature: row.signature,
    signatureText: row.signature_text,
    stage: row.stage,
    errorClass: row.error_class,
    count: row.n,
    byStatus: {
      new: row.n_new,
      replayed: row.n_replayed,
      discarded: row.n_discarded,
      'failed-again': row.n_failed_again,
    },
    firstFailedAt: new Date(row.first_failed_at),
    lastFailedAt: new Date(row.last_failed_at),
    sample: {
      id: Number(row.sample_id),
      message: row.error_message,
      reason: row.error_reason,
      path: row.error_path,
      eventType: row.event_type,
      eventId: row.event_id,
    },
  }));
}

/** One entry in a list: the envelope without the payloads. */
export const dlqSummaryColumns = {
  id: e.id,
  topic: e.topic,
  partition: e.partition,
  offset: e.offset,
  stage: e.stage,
  errorClass: e.errorClass,
  errorMessage: e.errorMessage,
  errorReason: e.errorReason,
  errorPath: e.errorPath,
  retryable: e.retryable,
  attempts: e.attempts,
  sourceTopic: e.sourceTopic,
  sourcePartition: e.sourcePartition,
  sourceOffset: e.sourceOffset,
  firstFailureAt: e.firstFailureAt,
  lastFailureAt: e.lastFailureAt,
  failedAt: e.failedAt,
  signature: e.signature,
  eventId: e.eventId,
  eventType: e.eventType,
  envelopeValid: e.envelopeValid,
  status: e.status,
};

export interface DlqPageCursor {
  failedAtMs: number;
  id: number;
}

export interface DlqEntriesPage {
  entries: Awaited<ReturnType<typeof dlqEntriesQuery>>;
  /** Where the next page starts; undefined on the last page. */
  next: DlqPageCursor | undefined;
}

/** The entries after `after`, newest failure first: `limit` rows (ask one more to know if there are more). */
export function dlqEntriesQuery(
  db: Database,
  filter: DlqInboxFilter,
  limit: number,
  after?: DlqPageCursor,
) {
  // A row comparison, so the (…, failed_at, id) indexes serve it as one range.
  const keyset = after
    ? sql`(${e.failedAt}, ${e.id}) < (${new Date(after.failedAtMs)}, ${after.id})`
    : undefined;
  return db
    .select(dlqSummaryColumns)
    .from(e)
    .where(and(dlqWhere(filter), keyset))
    .orderBy(desc(e.failedAt), desc(e.id))
    .limit(limit);
}

/** A page of entries, newest failure first, after `after` (the previous page's `next`). */
export async function listDlqEntries(
  db: Database,
  filter: DlqInboxFilter,
  options: { limit?: number; after?: DlqPageCursor | undefined } = {},
): Promise<DlqEntriesPage> {
  const limit = options.limit ?? 50;
  const entries = await dlqEntriesQuery(db, filter, limit + 1, options.after);
  const more = entries.length > limit;
  const page = more ? entries.slice(0, limit) : entries;
  const last = page.at(-1);
  return {
    entries: page,
    next: more && last ? { failedAtMs: last.failedAt.getTime(), id: last.id } : undefined,
  };
}

export type DlqEntryDetail = typeof dlqEntries.$inferSelect & {
  actions: (typeof dlqEntryActions.$inferSelect)[];
};

/** Everything about one entry, with its history oldest first; undefined if there is none. */
export async function getDlqEntry(db: Database, id: number): Promise<DlqEntryDetail | undefined> {
  const [entry] = await db.select().from(e).where(eq(e.id, id));
  if (!entry) return undefined;
  const actions = await db
    .select()
    .from(dlqEntryActions)
    .where(eq(dlqEntryActions.entryId, id))
    .orderBy(asc(dlqEntryActions.at), asc(dlqEntryActions.id));
  return { ...entry, actions };
}

/** How many entries the index holds (all, or matching a filter). */
export async function countDlqEntries(db: Database, filter: DlqInboxFilter = {}): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(e).where(dlqWhere(filter));
  return r?.n ?? 0;
}
