// The Redis realtime keys an event stream must leave, computed from the events alone with our
// own arithmetic after the documented key layout (realtime-keys.ts's header), never with the
// sink's code: a store check built on the sink's own function would prove "applied once", not
// "computed right".

/** What of an event the realtime keys depend on. */
export interface RealtimeEvent {
  type: string;
  timestamp_ms: number;
  user_id: string;
  url?: string | null;
}

export interface RealtimeMinute {
  /** type → events, plus `_all` and `_errors`. */
  counts: Map<string, number>;
  users: Set<string>;
  /** url (cut to 512 characters) → pageviews. */
  pages: Map<string, number>;
}

const MAX_PAGE_KEY = 512;

function minuteOf(ms: number): string {
  return new Date(ms - (((ms % 60_000) + 60_000) % 60_000)).toISOString().slice(0, 16);
}

export function realtimeTruth(events: readonly RealtimeEvent[]): Map<string, RealtimeMinute> {
  const out = new Map<string, RealtimeMinute>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const e of events) {
    const minute = minuteOf(e.timestamp_ms);
    let m = out.get(minute);
    if (m === undefined) {
      m = { counts: new Map(), users: new Set(), pages: new Map() };
      out.set(minute, m);
    }
    bump(m.counts, e.type);
    bump(m.counts, '_all');
    if (e.type === 'error' || e.type === 'exception') bump(m.counts, '_errors');
    m.users.add(e.user_id);
    if (e.type === 'pageview' && e.url) bump(m.pages, e.url.slice(0, MAX_PAGE_KEY));
  }
  return out;
}
