// TimescaleDB/PostgreSQL sink: routed events into `events`, window aggregates and sessions into
// their tables. Each kind is one multi-row INSERT over unnest()ed column arrays (one round trip
// and a fixed number of parameters however large the batch) with ON CONFLICT on the primary key:
// events are immutable, so a replayed event changes nothing (DO NOTHING); an aggregate or a
// session is replaced by its later version (DO UPDATE), so a replay never double counts.
// A late-drop correction is a row of its own, keyed by its number beside the window's partial
// (correction 0): only its late_dropped, with count 0 and the empty sketch, so summing a
// window's rows adds it once and merging their sketches is unchanged by it.
import {
  aggregateKey,
  HyperLogLog,
  isLateDropCorrection,
  lastPerKey,
  sessionChanges,
} from '@sluice/core';
import { quoteIdent } from '@sluice/db';
import pg from 'pg';
import type { Sink, SinkFailure, SinkRecord } from './sink.ts';

export interface TimescaleSinkOptions {
  url: string;
  schema?: string | undefined;
  /** A store that stops answering must fail the attempt, not hang it. */
  queryTimeoutMs?: number;
}

const EVENTS_SQL = `
INSERT INTO events (event_time, event_id, type, user_id, session_id, url, referrer, ip, country,
  country_code, region, city, latitude, longitude, browser, browser_version, os, device_type,
  properties)
SELECT t.event_time, t.event_id, t.type, t.user_id, t.session_id, t.url, t.referrer, t.ip,
  t.country, t.country_code, t.region, t.city, t.latitude, t.longitude, t.browser,
  t.browser_version, t.os, t.device_type, t.properties::jsonb
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
  $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
  $13::float8[], $14::float8[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[])
  AS t(event_time, event_id, type, user_id, session_id, url, referrer, ip, country, country_code,
  region, city, latitude, longitude, browser, browser_version, os, device_type, properties)
ON CONFLICT (event_time, event_id) DO NOTHING`;

const AGGREGATES_SQL = `
INSERT INTO window_aggregates (window_start, window_size, type, dimensions, source_partition,
  correction, count, late_accepted, late_dropped, unique_users_sketch, unique_users_estimate,
  updated_at)
SELECT t.ws, t.size, t.type, t.dims, t.sp, t.corr, t.count, t.la, t.ld,
  decode(t.sketch, 'base64'), t.uu, now()
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[],
  $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::bigint[])
  AS t(ws, size, type, dims, sp, corr, count, la, ld, sketch, uu)
ON CONFLICT (window_start, window_size, type, dimensions, source_partition, correction)
DO UPDATE SET
  count = EXCLUDED.count, late_accepted = EXCLUDED.late_accepted,
  late_dropped = EXCLUDED.late_dropped, unique_users_sketch = EXCLUDED.unique_users_sketch,
  unique_users_estimate = EXCLUDED.unique_users_estimate, updated_at = now()`;

/** What a correction row holds for unique users: a sketch of no one, neutral in any merge. */
const EMPTY_SKETCH = new HyperLogLog().toBase64();

const SESSIONS_SQL = `
INSERT INTO sessions (session_start, session_id, user_id, session_end, duration_ms, event_count,
  pageview_count, entry_url, exit_url, updated_at)
SELECT t.ss, t.id, t.uid, t.se, t.dur, t.ec, t.pc, t.entry, t.exit, now()
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[],
  $6::int[], $7::int[], $8::text[], $9::text[]) AS t(ss, id, uid, se, dur, ec, pc, entry, exit)
ON CONFLICT (session_start, session_id) DO UPDATE SET
  user_id = EXCLUDED.user_id, session_end = EXCLUDED.session_end,
  duration_ms = EXCLUDED.duration_ms, event_count = EXCLUDED.event_count,
  pageview_count = EXCLUDED.pageview_count, entry_url = EXCLUDED.entry_url,
  exit_url = EXCLUDED.exit_url, updated_at = now()`;

// Rows that a later record of the same session replaced (its start moved, or it was merged).
const SESSIONS_DELETE_SQL = `
DELETE FROM sessions s USING unnest($1::timestamptz[], $2::text[]) AS t(ss, id)
WHERE s.session_start = t.ss AND s.session_id = t.id`;

function columns<T>(rows: readonly T[], pick: ((r: T) => unknown)[]): unknown[][] {
  return pick.map((f) => rows.map(f));
}

/**
 * SQLSTATE classes 22 (data exception: a NUL byte, a value out of range) and 23 (integrity) are
 * the record's fault and will fail every retry; anything else (connection, timeout) is the
 * store's and is thrown for the runner to retry.
 */
const isPermanent = (err: unknown) => /^2[23]/.test(String((err as { code?: unknown }).code ?? ''));

/**
 * Runs one multi-row statement; if a record's data makes it fail, retries the rows one by one so
 * only the bad rows are dead-lettered and the rest are stored.
 */
async function insertAll<T extends SinkRecord>(
  pool: pg.Pool,
  sql: string,
  rows: readonly T[],
  pick: ((r: T) => unknown)[],
): Promise<SinkFailure[]> {
  if (rows.length === 0) return [];
  try {
    await pool.query(sql, columns(rows, pick));
    return [];
  } catch (err) {
    if (!isPermanent(err)) throw err;
  }
  // The refused rows' first failure: the batch INSERT they were part of.
  const batchFailedAt = Date.now();
  const failed: SinkFailure[] = [];
  for (const row of rows) {
    try {
      await pool.query(sql, columns([row], pick));
    } catch (err) {
      if (!isPermanent(err)) throw err;
      failed.push({
        record: row,
        errorClass: `pg_${(err as { code?: string }).code}`,
        message: (err as Error).message,
        retryable: false,
        attempts: 2,
        firstFailureMs: batchFailedAt,
      });
    }
  }
  return failed;
}

type Of<K extends SinkRecord['kind']> = Extract<SinkRecord, { kind: K }>;

async function writeSessions(pool: pg.Pool, records: Of<'session'>[]): Promise<SinkFailure[]> {
  const { upserts, deletes } = sessionChanges(records, (r) => r.data);
  if (deletes.length > 0)
    await pool.query(SESSIONS_DELETE_SQL, [
      deletes.map((d) => d.session_start),
      deletes.map((d) => d.session_id),
    ]);
  return insertAll(pool, SESSIONS_SQL, upserts, [
    (r) => r.data.session_start,
    (r) => r.data.session_id,
    (r) => r.data.user_id,
    (r) => r.data.session_end,
    (r) => r.data.duration_ms,
    (r) => r.data.event_count,
    (r) => r.data.pageview_count,
    (r) => r.data.entry_url ?? null,
    (r) => r.data.exit_url ?? null,
  ]);
}

export function createTimescaleSink(o: TimescaleSinkOptions): Sink {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: 4,
    connectionTimeoutMillis: 5000,
    query_timeout: o.queryTimeoutMs ?? 10_000,
    ...(o.schema ? { options: `-c search_path=${quoteIdent(o.schema)}` } : {}),
  });
  // An idle client whose server went away emits 'error'; the next query reconnects.
  pool.on('error', () => {});

  return {
    name: 'timescaledb',
    async write(records: readonly SinkRecord[]) {
      const events: Of<'event'>[] = [];
      const aggregates: Of<'aggregate'>[] = [];
      const sessions: Of<'session'>[] = [];
      for (const r of records) {
        if (r.kind === 'event') events.push(r);
        else if (r.kind === 'aggregate') aggregates.push(r);
        else sessions.push(r);
      }
      const failed = [
        // A replayed event may appear twice in one batch; one INSERT must not touch a row twice.
        ...(await insertAll(
          pool,
          EVENTS_SQL,
          lastPerKey(events, (r) => r.data.event_id),
          [
            (r) => r.data.timestamp,
            (r) => r.data.event_id,
            (r) => r.data.type,
            (r) => r.data.user_id,
            (r) => r.data.session_id,
            (r) => r.data.url ?? null,
            (r) => r.data.referrer ?? null,
            (r) => r.data.ip ?? null,
            (r) => r.data.geo?.country ?? null,
            (r) => r.data.geo?.country_code ?? null,
            (r) => r.data.geo?.region ?? null,
            (r) => r.data.geo?.city ?? null,
            (r) => r.data.geo?.latitude ?? null,
            (r) => r.data.geo?.longitude ?? null,
            (r) => r.data.ua?.browser ?? null,
            (r) => r.data.ua?.browser_version ?? null,
            (r) => r.data.ua?.os ?? null,
            (r) => r.data.ua?.device_type ?? null,
            (r) => (r.data.properties ? JSON.stringify(r.data.properties) : null),
          ],
        )),
        ...(await insertAll(
          pool,
          AGGREGATES_SQL,
          lastPerKey(aggregates, (r) => aggregateKey(r.data)),
          [
            (r) => r.data.window_start,
            (r) => r.data.window_size,
            (r) => r.data.type,
            (r) => r.data.dimensions,
            (r) => r.data.source_partition,
            (r) => r.data.correction ?? 0,
            (r) => (isLateDropCorrection(r.data) ? 0 : r.data.count),
            (r) => (isLateDropCorrection(r.data) ? 0 : r.data.late_accepted),
            (r) => r.data.late_dropped,
            (r) => (isLateDropCorrection(r.data) ? EMPTY_SKETCH : r.data.unique_users_sketch),
            (r) => (isLateDropCorrection(r.data) ? 0 : r.data.unique_users),
          ],
        )),
        ...(await writeSessions(pool, sessions)),
      ];
      return { failed };
    },
    close: () => pool.end(),
  };
}
