// The aggregation stage's output records as the storage writers read them (topics `aggregates`
// and `sessions`). A later record with the same key supersedes an earlier one.
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

// Which window a record of the `aggregates` topic is about: its Kafka key without the number.
const windowIdentity = {
  window_size: z.string().min(1).max(20),
  window_start: iso,
  window_end: iso,
  type: z.string().min(1).max(100),
  dimensions: z.string().max(1000),
  source_partition: z.number().int().nonnegative(),
};

/** One source partition's partial aggregate of a window (core windows: window-state.ts). */
export const windowAggregateRecordSchema = z.object({
  ...windowIdentity,
  count,
  unique_users: count,
  unique_users_sketch: z.base64().max(1_000_000),
  late_accepted: count,
  late_dropped: count,
  final: z.boolean(),
  /** A window's own record is correction 0, or says nothing. */
  correction: z.literal(0).optional(),
});
export type WindowAggregateRecord = z.infer<typeof windowAggregateRecordSchema>;

// Stored as a PostgreSQL integer (window_aggregates.correction).
const MAX_CORRECTION = 2_147_483_647;

/**
 * Late drops of a window whose state was already purged, to ADD to its late_dropped (core
 * windows: late-correction.ts). Numbered from 1 per source partition, so (window, partition,
 * number) names it and a replay stores it once. It carries nothing else: a count, users or a
 * sketch here would be a producer's bug, and storing them would count the window twice.
 */
export const lateDropCorrectionRecordSchema = z.object({
  ...windowIdentity,
  late_dropped: z.number().int().positive(),
  correction: z.number().int().min(1).max(MAX_CORRECTION),
  final: z.literal(true),
  count: z.never().optional(),
  unique_users: z.never().optional(),
  unique_users_sketch: z.never().optional(),
  late_accepted: z.never().optional(),
});
export type LateDropCorrectionRecord = z.infer<typeof lateDropCorrectionRecordSchema>;

export const aggregateRecordSchema = z.union([
  windowAggregateRecordSchema,
  lateDropCorrectionRecordSchema,
]);
export type AggregateRecord = WindowAggregateRecord | LateDropCorrectionRecord;

/**
 * The schema that a value read from the `aggregates` topic must meet: a correction says so by
 * its number. Checking against that one schema (not the union) names the field that is wrong.
 */
export function aggregateRecordSchemaOf(
  value: unknown,
): typeof windowAggregateRecordSchema | typeof lateDropCorrectionRecordSchema {
  const n = (value as { correction?: unknown } | null)?.correction;
  return n === undefined || n === null || n === 0
    ? windowAggregateRecordSchema
    : lateDropCorrectionRecordSchema;
}

export const isLateDropCorrection = (a: AggregateRecord): a is LateDropCorrectionRecord =>
  (a.correction ?? 0) > 0;

export const sessionRecordSchema = z.object({
  session_id: z.string().min(1).max(200),
  user_id: z.string().min(1).max(200),
  session_start: iso,
  session_end: iso,
  duration_ms: count,
  event_count: count,
  pageview_count: count,
  entry_url: z.string().max(8192).nullable().optional(),
  exit_url: z.string().max(8192).nullable().optional(),
  /** Starts of earlier rows of this session that this record replaces (see session-state). */
  superseded_starts: z.array(iso).max(1000).optional(),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

/** The primary key of a window_aggregates row, as the aggregation stage keys its records. */
export function aggregateKey(a: AggregateRecord): string {
  const partial = `${a.window_size}|${a.window_start}|${a.type}|${a.dimensions}|${a.source_partition}`;
  return isLateDropCorrection(a) ? `${partial}|late@${a.correction}` : partial;
}

/**
 * The session rows a batch leaves: the last record per (session_start, session_id), and the keys
 * that records superseded (moved start, merged sessions) and no later record wrote again. The
 * two sets are disjoint, so deleting the one and upserting the other may run in either order.
 */
export function sessionChanges<T>(
  records: readonly T[],
  session: (r: T) => SessionRecord,
): { upserts: T[]; deletes: { session_id: string; session_start: string }[] } {
  const key = (start: string, id: string) => `${Date.parse(start)}|${id}`;
  const upserts = new Map<string, T>();
  const deletes = new Map<string, { session_id: string; session_start: string }>();
  for (const r of records) {
    const s = session(r);
    for (const start of s.superseded_starts ?? []) {
      const k = key(start, s.session_id);
      upserts.delete(k);
      deletes.set(k, { session_id: s.session_id, session_start: start });
    }
    const k = key(s.session_start, s.session_id);
    deletes.delete(k);
    upserts.delete(k);
    upserts.set(k, r);
  }
  return { upserts: [...upserts.values()], deletes: [...deletes.values()] };
}

/**
 * Keeps the last record per key, in order of last appearance: one multi-row upsert may not
 * touch a row twice, and the later record is the one that counts.
 */
export function lastPerKey<T>(records: readonly T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of records) {
    const k = key(r);
    m.delete(k);
    m.set(k, r);
  }
  return [...m.values()];
}
