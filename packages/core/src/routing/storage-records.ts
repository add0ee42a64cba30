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
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

/** The primary key of a window_aggregates row, as the aggregation stage keys its records. */
export function aggregateKey(a: AggregateRecord): string {
  return `${a.window_size}|${a.window_start}|${a.type}|${a.dimensions}|${a.source_partition}`;
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
