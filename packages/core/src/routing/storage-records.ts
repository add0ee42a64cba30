// The aggregation stage's output records as the storage writers read them (topics `aggregates`
// and `sessions`). A later record with the same key supersedes an earlier one.
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

export const aggregateRecordSchema = z.object({
  window_size: z.string().min(1).max(20),
  window_start: iso,
  window_end: iso,
  type: z.string().min(1).max(100),
  dimensions: z.string().max(1000),
  source_partition: z.number().int().nonnegative(),
  count,
  unique_users: count,
  unique_users_sketch: z.base64().max(1_000_000),
  late_accepted: count,
  late_dropped: count,
  final: z.boolean(),
});
export type AggregateRecord = z.infer<typeof aggregateRecordSchema>;

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
  return `${a.window_size}|${a.window_start}|${a.type}|${a.dimensions}|${a.source_partition}`;
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
