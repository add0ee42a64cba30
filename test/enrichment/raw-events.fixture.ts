// Raw events with known ground truth for the enrichment suites: valid events over the test
// GeoIP database's networks and a share of malformed records of every kind the stage rejects.
export interface RawFixture {
  lines: string[];
  valid: Set<string>;
  /** Malformed line → the DLQ reason expected for it. */
  malformed: Map<string, string>;
}

const ips = ['81.2.69.160', '89.160.20.112', '2a02:1234::1', '8.8.8.8', '10.0.0.7', undefined];
const uas = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];

export function rawEvents(count: number, malformedEvery: number, tag: string): RawFixture {
  const lines: string[] = [];
  const valid = new Set<string>();
  const malformed = new Map<string, string>();
  const start = Date.parse('2026-11-27T10:00:00Z');
  for (let i = 0; i < count; i++) {
    const id = `${tag}-${i}`;
    const ev: Record<string, unknown> = {
      event_id: id,
      type: i % 10 === 0 ? 'click' : 'pageview',
      timestamp: i % 2 === 0 ? start + i : new Date(start + i).toISOString(),
      user_id: `u${i % 97}`,
      session_id: `s${i % 211}`,
      user_agent: uas[i % uas.length],
      url: `https://shop.example.com/p/${i % 50}`,
    };
    const ip = ips[i % ips.length];
    if (ip) ev.ip = ip;
    if (i % malformedEvery !== malformedEvery - 1) {
      lines.push(JSON.stringify(ev));
      valid.add(id);
      continue;
    }
    const kind = Math.floor(i / malformedEvery) % 5;
    let line: string;
    let reason: string;
    if (kind === 0) {
      line = JSON.stringify(ev).slice(0, 30);
      reason = 'invalid_json';
    } else if (kind === 1) {
      delete ev.user_id;
      line = JSON.stringify(ev);
      reason = 'missing_field';
    } else if (kind === 2) {
      ev.session_id = 42;
      line = JSON.stringify(ev);
      reason = 'invalid_type';
    } else if (kind === 3) {
      ev.url = `https://x/${'a'.repeat(300_000)}`;
      line = JSON.stringify(ev);
      reason = 'too_large';
    } else {
      ev.ip = '300.1.2.3';
      line = JSON.stringify(ev);
      reason = 'invalid_value';
    }
    lines.push(line);
    malformed.set(line, reason);
  }
  return { lines, valid, malformed };
}
