// Reads what a run's stores and topics hold, the way an independent auditor would: every row of
// the PostgreSQL tables, every document of the search index (paged), every archived line (every
// object, gunzipped), every realtime key in Redis, every committed record of a topic.
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { HyperLogLog } from '@sluice/core';
import { readTopic } from '../support/kafka-reader.ts';
import type { ChaosRun } from './chaos-run.ts';

export async function pgEventIds(run: ChaosRun): Promise<string[]> {
  const r = await run.db.query<{ event_id: string }>(`SELECT event_id FROM "${run.schema}".events`);
  return r.rows.map((x) => x.event_id);
}

export interface MergedWindow {
  count: number;
  lateAccepted: number;
  lateDropped: number;
  sketch: HyperLogLog;
  partials: number;
  final: boolean;
}

const bump = (
  merged: Map<string, MergedWindow>,
  key: string,
  v: { count: number; la: number; ld: number; sketch: string | null; final: boolean },
) => {
  const m = merged.get(key) ?? {
    count: 0,
    lateAccepted: 0,
    lateDropped: 0,
    sketch: new HyperLogLog(),
    partials: 0,
    final: true,
  };
  m.count += v.count;
  m.lateAccepted += v.la;
  m.lateDropped += v.ld;
  if (v.sketch !== null) m.sketch.merge(HyperLogLog.fromBase64(v.sketch));
  m.partials++;
  m.final &&= v.final;
  merged.set(key, m);
};

/** The stored partials of window_aggregates merged per `${size}|${start}|${type}`. */
export async function pgWindows(run: ChaosRun): Promise<Map<string, MergedWindow>> {
  const r = await run.db.query(
    `SELECT window_size, window_start, type, count, late_accepted, late_dropped,
            encode(unique_users_sketch, 'base64') AS sketch
       FROM "${run.schema}".window_aggregates WHERE dimensions = ''`,
  );
  const merged = new Map<string, MergedWindow>();
  for (const row of r.rows)
    bump(merged, `${row.window_size}|${row.window_start.toISOString()}|${row.type}`, {
      count: Number(row.count),
      la: Number(row.late_accepted),
      ld: Number(row.late_dropped),
      sketch: String(row.sketch).replaceAll('\n', ''),
      final: true,
    });
  return merged;
}

export interface AggregateTopic {
  /** Last record per key, merged per window. */
  windows: Map<string, MergedWindow>;
  /** `${size}|${start}|${type}|${partition}` of every partial whose last record is final. */
  finalPartials: Set<string>;
  /** Partials whose last record counts late-accepted events: key → that count. */
  lateAcceptedPartials: Map<string, number>;
  records: number;
}

/** The aggregates topic as committed: the last record per key, merged per window. */
export async function aggregateTopic(run: ChaosRun): Promise<AggregateTopic> {
  const records = await readTopic(run.names.topics.aggregates, 1, { settleMs: 3_000 });
  const last = new Map<string, Record<string, unknown>>();
  for (const r of records)
    if (r.key !== null && r.value !== null) last.set(r.key, JSON.parse(r.value.toString()));
  const windows = new Map<string, MergedWindow>();
  const finalPartials = new Set<string>();
  const lateAcceptedPartials = new Map<string, number>();
  for (const v of last.values()) {
    const key = `${v.window_size}|${v.window_start}|${v.type}`;
    const isCorrection = v.correction !== undefined;
    bump(windows, key, {
      count: isCorrection ? 0 : Number(v.count),
      la: isCorrection ? 0 : Number(v.late_accepted),
      ld: Number(v.late_dropped),
      sketch: isCorrection ? null : String(v.unique_users_sketch),
      final: v.final === true,
    });
    if (v.final === true && !isCorrection) finalPartials.add(`${key}|${v.source_partition}`);
    if (!isCorrection && Number(v.late_accepted) > 0)
      lateAcceptedPartials.set(`${key}|${v.source_partition}`, Number(v.late_accepted));
  }
  return { windows, finalPartials, lateAcceptedPartials, records: records.length };
}

export interface StoredSession {
  session_id: string;
  user_id: string;
  session_start: string;
  session_end: string;
  duration_ms: number;
  event_count: number;
  pageview_count: number;
  entry_url: string | null;
  exit_url: string | null;
}

export async function pgSessions(run: ChaosRun): Promise<StoredSession[]> {
  const r = await run.db.query(
    `SELECT session_id, user_id, session_start, session_end, duration_ms, event_count,
            pageview_count, entry_url, exit_url FROM "${run.schema}".sessions`,
  );
  return r.rows.map((s) => ({
    session_id: s.session_id,
    user_id: s.user_id,
    session_start: s.session_start.toISOString(),
    session_end: s.session_end.toISOString(),
    duration_ms: Number(s.duration_ms),
    event_count: s.event_count,
    pageview_count: s.pageview_count,
    entry_url: s.entry_url,
    exit_url: s.exit_url,
  }));
}

/** Every document id of the run's index, paged by event_id (a page holds at most 10,000). */
export async function searchIds(run: ChaosRun): Promise<string[]> {
  const exists = await run.search.indices.exists({ index: run.index });
  if (!exists) return [];
  await run.search.indices.refresh({ index: run.index });
  const ids: string[] = [];
  let after: (string | number)[] | undefined;
  for (;;) {
    const page = await run.search.search({
      index: run.index,
      size: 5_000,
      sort: [{ event_id: 'asc' }],
      _source: false,
      ...(after ? { search_after: after } : {}),
    });
    for (const h of page.hits.hits) ids.push(h._id as string);
    const last = page.hits.hits.at(-1);
    if (!last || page.hits.hits.length < 5_000) return ids;
    after = last.sort as (string | number)[];
  }
}

/** The keys of every archived object of the run. */
export async function archivedKeys(run: ChaosRun): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await run.s3.send(
      new ListObjectsV2Command({
        Bucket: run.bucket,
        Prefix: 'archive/dt=',
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key as string);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** The event_id of every line of every archived object. */
export async function archivedIds(run: ChaosRun): Promise<{ ids: string[]; objects: number }> {
  const keys = await archivedKeys(run);
  const ids: string[] = [];
  for (const key of keys) {
    const got = await run.s3.send(new GetObjectCommand({ Bucket: run.bucket, Key: key }));
    const body = gunzipSync(Buffer.from((await got.Body?.transformToByteArray()) ?? []));
    for (const line of body.toString().split('\n'))
      if (line) ids.push((JSON.parse(line) as { event_id: string }).event_id);
  }
  return { ids, objects: keys.length };
}

export interface StoredMinute {
  counts: Record<string, number>;
  pages: Record<string, number>;
  users: number;
  ttlS: number;
}

/** The realtime data keys (count, users, pages) by minute. */
export async function redisRealtime(run: ChaosRun): Promise<Map<string, StoredMinute>> {
  const p = `${run.redisPrefix}rt:`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await run.redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  const minutes = new Map<string, StoredMinute>();
  const minute = (m: string) => {
    let v = minutes.get(m);
    if (!v) {
      v = { counts: {}, pages: {}, users: 0, ttlS: -2 };
      minutes.set(m, v);
    }
    return v;
  };
  for (const key of keys) {
    const [kind, m] = [
      key.slice(p.length, key.indexOf(':', p.length)),
      key.slice(key.indexOf(':', p.length) + 1),
    ];
    if (kind === 'count') {
      const h = await run.redis.hgetall(key);
      const v = minute(m);
      v.counts = Object.fromEntries(Object.entries(h).map(([k, n]) => [k, Number(n)]));
      v.ttlS = await run.redis.ttl(key);
    } else if (kind === 'pages') {
      const z = await run.redis.zrange(key, 0, -1, 'WITHSCORES');
      const pages: Record<string, number> = {};
      for (let i = 0; i < z.length; i += 2) pages[z[i] as string] = Number(z[i + 1]);
      minute(m).pages = pages;
    } else if (kind === 'users') {
      minute(m).users = await run.redis.pfcount(key);
    }
  }
  return minutes;
}

/**
 * Every committed record of a topic, read until `expected` arrived and nothing more came for a
 * few seconds (more than `expected` are duplicates); the timeout grows with the count.
 */
export async function topicRecords(topic: string, expected: number) {
  return readTopic(topic, expected, { timeoutMs: 60_000 + expected * 2, settleMs: 3_000 });
}
