// Enriched events with known structure for the aggregation suite: `sessions` sessions spread over
// users, event time advancing 15 ms per event from T0, and a share of events delayed by up to
// 60 s so the stream holds on-time, late-accepted and late-dropped events under the suite's
// bounds (out-of-order 10 s, lateness 20 s). Deterministic for a seed.
export const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);

export interface FixtureEvent {
  event_id: string;
  type: string;
  timestamp: string;
  timestamp_ms: number;
  user_id: string;
  session_id: string;
  url: string;
  geo: { country_code: string };
  ua: { device_type: string };
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function enrichedEvents(n: number, sessions: number, seed = 1): FixtureEvent[] {
  const random = seeded(seed);
  const types = ['pageview', 'pageview', 'pageview', 'click', 'click', 'error', 'purchase'];
  const out: FixtureEvent[] = [];
  for (let i = 0; i < n; i++) {
    const s = Math.floor(random() * sessions);
    const delayed = random() < 0.08;
    const ms = T0 + i * 15 - (delayed ? Math.floor(random() * 60_000) : 0);
    out.push({
      event_id: `ev-${i}`,
      type: types[Math.floor(random() * types.length)] as string,
      timestamp: new Date(ms).toISOString(),
      timestamp_ms: ms,
      user_id: `user-${s % Math.floor(sessions / 2)}`,
      session_id: `sess-${s}`,
      url: `https://shop.example.com/p/${Math.floor(random() * 50)}`,
      geo: { country_code: random() < 0.5 ? 'GB' : 'DE' },
      ua: { device_type: random() < 0.7 ? 'desktop' : 'mobile' },
    });
  }
  return out;
}
