// Enriched events, window aggregates and sessions with known ground truth for the storage suite:
// the routing each event should get, and what each store must hold afterwards.
export interface EnrichedFixture {
  lines: string[];
  byId: Map<string, Record<string, unknown>>;
  /** event_id of every event the default rules send to each store. */
  timescale: Set<string>;
  search: Set<string>;
  /** Errors the search engine must refuse (a latitude out of range): dead-lettered. */
  refused: Set<string>;
  /** Pageviews PostgreSQL must refuse (a NUL byte in the URL): dead-lettered, the rest stored. */
  pgRefused: Set<string>;
}

const START = Date.parse('2026-11-27T10:00:00Z');
const countries = [
  ['London', 'England', 'United Kingdom', 'GB', 51.5142, -0.0931],
  ['Berlin', 'Land Berlin', 'Germany', 'DE', 52.5244, 13.4105],
  ['Paris', 'Ile-de-France', 'France', 'FR', 48.8534, 2.3488],
] as const;

function typeOf(i: number): string {
  const r = i % 20;
  if (r < 10) return 'pageview';
  if (r < 15) return 'click';
  if (r < 17) return 'error';
  if (r < 18) return 'exception';
  return 'signup';
}

export function enrichedEvents(count: number, tag: string, refuseEvery = 0): EnrichedFixture {
  const poisoned = (i: number) => refuseEvery > 0 && i === 2;
  const f: EnrichedFixture = {
    lines: [],
    byId: new Map(),
    timescale: new Set(),
    search: new Set(),
    refused: new Set(),
    pgRefused: new Set(),
  };
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const id = `${tag}-${i}`;
    const type = typeOf(i);
    const ts = START + i * 97;
    const [city, region, country, cc, lat, lon] = countries[
      i % countries.length
    ] as (typeof countries)[number];
    const isError = type === 'error' || type === 'exception';
    const refuse = isError && refuseEvery > 0 && errors++ % refuseEvery === 0;
    const ev: Record<string, unknown> = {
      event_id: id,
      type,
      timestamp: new Date(ts).toISOString(),
      timestamp_ms: ts,
      user_id: `u${i % 173}`,
      session_id: `s${i % 331}`,
      ip: '81.2.69.160',
      user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0',
      url: poisoned(i) ? 'https://shop.example/p/\u0000' : `https://shop.example/p/${i % 13}`,
      referrer: 'https://www.google.com/',
      properties: { n: i, tag },
      ...(isError
        ? {
            message: `TypeError: price is undefined (#${i})`,
            stack: `TypeError\n  at cart.js:${i}:1`,
          }
        : {}),
      geo: {
        city,
        region,
        region_code: null,
        country,
        country_code: cc,
        latitude: refuse ? 999 : lat,
        longitude: lon,
        postal_code: null,
        time_zone: null,
        accuracy_radius: 10,
      },
      geo_status: 'ok',
      ua: {
        browser: 'Chrome',
        browser_version: '120.0.0.0',
        browser_major: '120',
        engine: 'Blink',
        os: 'Windows',
        os_version: '10',
        device_type: 'desktop',
        device_vendor: null,
        device_model: null,
        is_bot: false,
      },
      enriched_at: new Date(ts + 5).toISOString(),
      geoip_build: '2023-11-14T22:13:20.000Z',
    };
    f.lines.push(JSON.stringify(ev));
    f.byId.set(id, ev);
    if (poisoned(i)) f.pgRefused.add(id);
    else if (type === 'pageview' || type === 'click') f.timescale.add(id);
    if (isError) (refuse ? f.refused : f.search).add(id);
  }
  return f;
}

/** Aggregates, each key later superseded once by a record with other values. */
export function aggregateRecords(keys: number): {
  lines: string[];
  latest: Map<string, Record<string, unknown>>;
} {
  const lines: string[] = [];
  const latest = new Map<string, Record<string, unknown>>();
  for (const round of [0, 1]) {
    for (let k = 0; k < keys; k++) {
      const ws = START + (k % 10) * 60_000;
      const a = {
        window_size: '1m',
        window_start: new Date(ws).toISOString(),
        window_end: new Date(ws + 60_000).toISOString(),
        type: k % 2 === 0 ? 'pageview' : 'click',
        dimensions: '',
        source_partition: Math.floor(k / 20),
        count: 10 + k + round * 100,
        unique_users: 3 + round,
        unique_users_sketch: Buffer.from(`sketch-${k}-${round}`).toString('base64'),
        late_accepted: round,
        late_dropped: 0,
        final: round === 1,
      };
      lines.push(JSON.stringify(a));
      latest.set(`${a.window_start}|${a.type}|${a.source_partition}`, a);
    }
  }
  return { lines, latest };
}

export function sessionRecords(count: number): {
  lines: string[];
  latest: Map<string, Record<string, unknown>>;
} {
  const lines: string[] = [];
  const latest = new Map<string, Record<string, unknown>>();
  for (const round of [0, 1]) {
    for (let k = 0; k < count; k++) {
      // Every third session's second record moves its start earlier (a late first event), so
      // it supersedes the row stored under the first record's start.
      const moved = round === 1 && k % 3 === 0;
      const start = START + k * 1000 - (moved ? 30_000 : 0);
      const s = {
        ...(moved ? { superseded_starts: [new Date(START + k * 1000).toISOString()] } : {}),
        session_id: `s${k}`,
        user_id: `u${k}`,
        session_start: new Date(start).toISOString(),
        session_end: new Date(start + 60_000 * (1 + round)).toISOString(),
        duration_ms: 60_000 * (1 + round),
        event_count: 5 + round * 3,
        pageview_count: 2 + round,
        entry_url: '/',
        exit_url: round ? '/checkout' : '/cart',
      };
      lines.push(JSON.stringify(s));
      latest.set(s.session_id, s);
    }
  }
  return { lines, latest };
}
