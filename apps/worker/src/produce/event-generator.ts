// Demo traffic and load: realistic web-analytics events with Zipf-distributed users and pages,
// sticky per-user IPs and user agents, sessions that end after inactivity, a few percent of
// errors and exceptions, and a small share of malformed records so the DLQ is never empty.
// Deterministic for a given seed and start time.

import { pick, type Random, seededRandom, zipfSampler } from './random.ts';
import { buildUserAgents, drawUserAgent } from './user-agents.ts';

export interface GeneratorOptions {
  seed: number;
  /** Event time of the first event, epoch ms. */
  startTime: number;
  /**
   * Wall clock for paced traffic: event times then follow real time (demo, soak). Without it,
   * event time advances 1.5 ms per event on average from startTime (reproducible load).
   */
  clock?: () => number;
  users?: number;
  pages?: number;
  ips?: number;
  /** Share of malformed records (default 0.005). */
  malformedRate?: number;
  /** Distinct browser user agents (default: the base set, about 500). */
  userAgents?: number;
  /**
   * Each new session takes the next address of the pool (drawn without replacement, wrapping
   * round) instead of keeping its user's: homes and phones change addresses. The pool's size is
   * then the data's IP cardinality once there are as many sessions. Default: an address per user.
   */
  ipPerSession?: boolean;
}

export interface ProducedRecord {
  key: string;
  value: string;
  malformed: boolean;
}

interface UserState {
  id: string;
  ip: string;
  ua: string;
  session?: { id: string; lastAt: number; events: number };
}

const SESSION_GAP_MS = 30 * 60_000;
const SITE = 'https://shop.example.com';
const sections = ['products', 'blog', 'help', 'category', 'account', 'search', 'checkout', 'docs'];
const referrers = [
  null,
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://t.co/x',
  null,
];
const errorMessages = [
  "TypeError: Cannot read properties of undefined (reading 'price')",
  'ReferenceError: gtag is not defined',
  'NetworkError when attempting to fetch resource.',
  'ChunkLoadError: Loading chunk 42 failed.',
];

function ipPool(random: Random, n: number): string[] {
  const out: string[] = [];
  while (out.length < n) {
    if (random() < 0.08) {
      const h = () => Math.floor(random() * 0xffff).toString(16);
      out.push(`2a0${Math.floor(random() * 9) + 1}:${h()}:${h()}::${h()}`);
      continue;
    }
    const a = 1 + Math.floor(random() * 223);
    // Leave out private, loopback and reserved first octets; the enricher sees those as outcomes
    // and a few are added on purpose below.
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192) continue;
    out.push(
      `${a}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
    );
  }
  out.push('10.1.2.3', '192.168.0.10', '127.0.0.1');
  return out;
}

export function createEventGenerator(options: GeneratorOptions): () => ProducedRecord {
  const random = seededRandom(options.seed);
  const nUsers = options.users ?? 20_000;
  const nPages = options.pages ?? 2_000;
  const malformedRate = options.malformedRate ?? 0.005;
  const ips = ipPool(random, options.ips ?? 5_000);
  const userAgents = buildUserAgents(options.userAgents);
  let nextIp = 0;
  const drawUser = zipfSampler(random, nUsers, 1.05);
  const drawPage = zipfSampler(random, nPages, 1.2);
  const users = new Map<number, UserState>();
  let clock = options.startTime;
  let seq = 0;

  const pageUrl = (rank: number) => `${SITE}/${sections[rank % sections.length]}/${rank}`;

  function user(rank: number): UserState {
    let u = users.get(rank);
    if (!u) {
      u = { id: `u${rank}`, ip: pick(random, ips), ua: drawUserAgent(random, userAgents) };
      users.set(rank, u);
    }
    return u;
  }

  function event(): Record<string, unknown> {
    seq++;
    clock = options.clock ? Math.max(clock, options.clock()) : clock + Math.floor(random() * 4);
    const u = user(drawUser());
    if (!u.session || clock - u.session.lastAt > SESSION_GAP_MS || random() < 0.02) {
      u.session = { id: `s${options.seed}-${seq}`, lastAt: clock, events: 0 };
      if (options.ipPerSession) u.ip = ips[nextIp++ % ips.length] as string;
    }
    u.session.lastAt = clock;
    u.session.events++;
    // Bounded disorder: some events arrive up to five seconds late.
    const eventTime = random() < 0.1 ? clock - Math.floor(random() * 5000) : clock;
    const r = random();
    const type =
      r < 0.68
        ? 'pageview'
        : r < 0.93
          ? 'click'
          : r < 0.955
            ? 'error'
            : r < 0.97
              ? 'exception'
              : pick(random, ['signup', 'purchase', 'search']);
    const ev: Record<string, unknown> = {
      event_id: `e${options.seed}-${seq}`,
      type,
      timestamp: random() < 0.5 ? eventTime : new Date(eventTime).toISOString(),
      user_id: u.id,
      session_id: u.session.id,
      ip: u.ip,
      user_agent: u.ua,
      url: pageUrl(drawPage()),
    };
    const ref = u.session.events === 1 ? pick(random, referrers) : null;
    if (ref) ev.referrer = ref;
    if (type === 'error' || type === 'exception') {
      const message = pick(random, errorMessages);
      ev.message = message;
      ev.stack = `${message}\n    at render (${SITE}/static/app.js:1:${Math.floor(random() * 9000)})\n    at commit (${SITE}/static/vendor.js:2:311)`;
    }
    if (type === 'click')
      ev.properties = {
        element: pick(random, ['buy', 'nav', 'cta', 'filter']),
        x: Math.floor(random() * 1280),
      };
    if (type === 'purchase')
      ev.properties = { amount_cents: 100 + Math.floor(random() * 20000), currency: 'EUR' };
    return ev;
  }

  function malformed(ev: Record<string, unknown>): string {
    switch (Math.floor(random() * 6)) {
      case 0:
        return JSON.stringify(ev).slice(0, 40); // truncated JSON
      case 1:
        delete ev.event_id;
        return JSON.stringify(ev);
      case 2:
        ev.timestamp = 'yesterday-ish';
        return JSON.stringify(ev);
      case 3:
        ev.user_id = 12345;
        return JSON.stringify(ev);
      case 4:
        ev.ip = '999.1.2.3';
        return JSON.stringify(ev);
      default:
        ev.url = `${SITE}/${'x'.repeat(70_000)}`; // oversized
        return JSON.stringify(ev);
    }
  }

  return () => {
    const ev = event();
    const key = ev.session_id as string;
    if (random() < malformedRate) return { key, value: malformed(ev), malformed: true };
    return { key, value: JSON.stringify(ev), malformed: false };
  };
}
