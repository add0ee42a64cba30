// The Redis layout of the realtime metrics the console reads, and the pure computation of what a
// batch adds to them. Everything is bucketed by event-time minute (UTC, `YYYY-MM-DDTHH:MM`) so
// a replay lands in the same keys; the writer applies a batch only past a per-partition offset
// fence, so a replay rewrites nothing instead of adding twice.
//
//   {p}rt:count:{minute}       HASH  field = event type → events in that minute; plus `_all`
//                                    (every event) and `_errors` (error + exception): the
//                                    recent error rate is _errors / _all over the last minutes
//   {p}rt:users:{minute}       HLL   user_id (PFADD); active users over N minutes = PFCOUNT of
//                                    the N keys (0.81% standard error)
//   {p}rt:pages:{minute}       ZSET  url → pageviews in that minute; top pages over N minutes =
//                                    ZUNION of the N keys, highest scores first
//   {p}rt:fence:{topic}:{partition}  STRING  last Kafka offset applied from that partition
//
// Every key expires REALTIME_TTL_S after its last write (at most 24 h).

export const REALTIME_TTL_S = 24 * 3600;
export const ERROR_TYPES: ReadonlySet<string> = new Set(['error', 'exception']);
/** URLs are cut to this length so one hostile URL cannot bloat the sorted set. */
export const MAX_PAGE_KEY_LENGTH = 512;

export const realtimeKeys = {
  count: (prefix: string, minute: string) => `${prefix}rt:count:${minute}`,
  users: (prefix: string, minute: string) => `${prefix}rt:users:${minute}`,
  pages: (prefix: string, minute: string) => `${prefix}rt:pages:${minute}`,
  fence: (prefix: string, topic: string, partition: number) =>
    `${prefix}rt:fence:${topic}:${partition}`,
};

export function minuteBucket(timestampMs: number): string {
  return new Date(Math.floor(timestampMs / 60_000) * 60_000).toISOString().slice(0, 16);
}

export interface RealtimeInput {
  readonly type: string;
  readonly timestamp_ms: number;
  readonly user_id: string;
  readonly url?: string | undefined;
}

export interface MinuteDelta {
  readonly counts: Map<string, number>;
  readonly users: Set<string>;
  readonly pages: Map<string, number>;
}

/** What a batch adds, per minute. */
export function realtimeDeltas(events: Iterable<RealtimeInput>): Map<string, MinuteDelta> {
  const out = new Map<string, MinuteDelta>();
  for (const e of events) {
    const minute = minuteBucket(e.timestamp_ms);
    let d = out.get(minute);
    if (!d) {
      d = { counts: new Map(), users: new Set(), pages: new Map() };
      out.set(minute, d);
    }
    const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    inc(d.counts, e.type);
    inc(d.counts, '_all');
    if (ERROR_TYPES.has(e.type)) inc(d.counts, '_errors');
    d.users.add(e.user_id);
    if (e.type === 'pageview' && e.url) inc(d.pages, e.url.slice(0, MAX_PAGE_KEY_LENGTH));
  }
  return out;
}
