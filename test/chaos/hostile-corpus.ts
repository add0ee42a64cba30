// A property-based corpus (fast-check) of malformed and adversarial raw events, each with what
// the contract says must become of it: enriched (and how its fields must read), dead-lettered
// (and with which reason), or either, as long as it is exactly one of them. Families: deep
// nesting, huge strings, invalid UTF-8, prototype keys, numbers as strings and other type
// confusion, timestamps far in the past or future, odd IPs and user agents, and plain garbage.
// Every case carries a unique event_id: duplicates from upstream are another issue's subject.
import { isIP } from 'node:net';
import fc from 'fast-check';

export type Expectation =
  | { outcome: 'enriched' }
  | { outcome: 'dlq'; reason?: string }
  | { outcome: 'either' };

export interface HostileCase {
  family: string;
  /** Unique per case; absent when the bytes cannot carry one. */
  eventId: string | undefined;
  key: string;
  value: Buffer;
  expect: Expectation;
}

const MAX_EVENT_BYTES = 64 * 1024;
const TS_MIN = Date.UTC(2000, 0, 1);
const TS_MAX = Date.UTC(2100, 0, 1);

interface Draft {
  family: string;
  /** The event's fields, or raw text to send as it is. */
  fields?: Record<string, unknown>;
  text?: string;
  bytes?: Buffer;
  expect: Expectation;
}

const base = (id: string, sid: string) => ({
  event_id: id,
  type: 'pageview',
  timestamp: TS_MIN + 800_000_000_000,
  user_id: 'u-hostile',
  session_id: sid,
  url: 'https://shop.example.com/',
});

// The families, as arbitraries of a function from the case's ids to a draft.
type Make = (id: string, sid: string) => Draft;

const oddValidIp = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4().map((v) => `::ffff:${v}`),
  fc.constantFrom(
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    '127.0.0.1',
    'fe80::1%eth0',
    'fe80::1%25',
    '2001:db8::1',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    '::ffff:10.0.0.1',
    '64:ff9b::8.8.8.8',
    '100.64.0.1',
    '224.0.0.1',
  ),
);
const oddInvalidIp = fc.oneof(
  fc.constantFrom(
    '1.2.3.04',
    '256.1.1.1',
    ' 1.2.3.4',
    '1.2.3.4\n',
    '1.2.3',
    '::ffff:999.1.1.1',
    'localhost',
    '',
    '١.٢.٣.٤',
    `${'1'.repeat(70)}`,
    '[::1]',
    '1.2.3.4:80',
  ),
  fc.string({ maxLength: 40 }),
);

const userAgent = fc.oneof(
  fc.string({ maxLength: 1024, unit: 'binary' }),
  fc.string({ maxLength: 300, unit: 'grapheme' }),
  // Shapes that catastrophic-backtracking regular expressions choke on, at the length limit.
  fc
    .constantFrom('Mozilla/5.0 (', 'a;', ' ', 'Android ', 'Windows NT ', '/', 'Chrome/1.', ')(')
    .chain((unit) =>
      fc.integer({ min: 1, max: 1024 }).map((n) => `Mozilla/5.0 (${unit.repeat(n)}`.slice(0, 1024)),
    ),
  fc.constantFrom('', '\u0000', '\u202e', 'Googlebot', 'curl/8.0'),
);

const families: fc.Arbitrary<Make>[] = [
  // Odd but valid IPs and user agents: enriched, whatever the lookup finds.
  fc.tuple(oddValidIp, userAgent).map(
    ([ip, ua]): Make =>
      (id, sid) => ({
        family: 'odd IP and user agent',
        fields: { ...base(id, sid), ip, user_agent: ua },
        // The limit counts UTF-16 units; a code point above U+FFFF takes two.
        expect:
          ua.length > 1024
            ? { outcome: 'dlq', reason: 'too_long' }
            : isIP(ip) !== 0
              ? { outcome: 'enriched' }
              : { outcome: 'dlq', reason: 'invalid_value' },
      }),
  ),
  oddInvalidIp.map(
    (ip): Make =>
      (id, sid) => ({
        family: 'invalid IP',
        fields: { ...base(id, sid), ip },
        expect:
          isIP(ip) !== 0 && ip.length <= 64
            ? { outcome: 'enriched' }
            : { outcome: 'dlq', reason: ip.length > 64 ? 'too_long' : 'invalid_value' },
      }),
  ),
  // Client Hints as a browser (or an attacker) might send the headers; each value at most 512.
  fc
    .dictionary(
      fc.constantFrom(
        'sec-ch-ua',
        'sec-ch-ua-mobile',
        'sec-ch-ua-platform',
        'sec-ch-ua-platform-version',
        'sec-ch-ua-model',
        'sec-ch-ua-full-version-list',
        'sec-ch-ua-arch',
      ),
      fc.oneof(
        fc.string({ maxLength: 600 }),
        fc
          .array(fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 12 })), {
            maxLength: 40,
          })
          .map((bs) => bs.map(([b, v]) => `"${b}";v="${v}"`).join(', ')),
        fc.constantFrom('?1', '?0', '"Windows"', '"', '""', '\\"', `${'"a";v="1", '.repeat(60)}`),
      ),
      { minKeys: 1 },
    )
    .map(
      (hints): Make =>
        (id, sid) => ({
          family: 'odd client hints',
          fields: { ...base(id, sid), user_agent: 'Mozilla/5.0', client_hints: hints },
          // A hint the schema does not name is stripped, whatever its length.
          expect: Object.entries(hints).some(([k, v]) => k !== 'sec-ch-ua-arch' && v.length > 512)
            ? { outcome: 'dlq', reason: 'too_long' }
            : { outcome: 'enriched' },
        }),
    ),
  // User agents past their limit.
  fc.integer({ min: 1025, max: 20_000 }).map(
    (n): Make =>
      (id, sid) => ({
        family: 'huge string',
        fields: { ...base(id, sid), user_agent: 'A'.repeat(n) },
        expect: { outcome: 'dlq', reason: 'too_long' },
      }),
  ),
  // Strings around the URL limit and events around the event limit.
  fc.integer({ min: 3_000, max: 90_000 }).map(
    (n): Make =>
      (id, sid) => {
        const fields = { ...base(id, sid), url: `https://x/${'é'.repeat(n)}` };
        const bytes = Buffer.byteLength(JSON.stringify(fields));
        return {
          family: 'huge string',
          fields,
          expect:
            bytes > MAX_EVENT_BYTES
              ? { outcome: 'dlq', reason: 'too_large' }
              : fields.url.length > 4096
                ? { outcome: 'dlq', reason: 'too_long' }
                : { outcome: 'enriched' },
        };
      },
  ),
  // Deep nesting in properties (limit: 5 levels) and in an unknown top-level field.
  fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.boolean(), fc.boolean()).map(
    ([depth, arrays, topLevel]): Make =>
      (id, sid) => {
        const d = Math.min(depth, 20_000);
        const open = arrays ? '['.repeat(d) : '{"k":'.repeat(d);
        const close = arrays ? ']'.repeat(d) : '}'.repeat(d);
        const nested = `${open}1${close}`;
        const head = JSON.stringify(base(id, sid)).slice(0, -1);
        const text = topLevel
          ? `${head},"deep":${nested}}`
          : `${head},"properties":{"deep":${nested}}}`;
        return {
          family: 'deep nesting',
          text,
          expect:
            Buffer.byteLength(text) > MAX_EVENT_BYTES
              ? { outcome: 'dlq', reason: 'too_large' }
              : d < 5
                ? { outcome: 'enriched' }
                : { outcome: 'dlq', reason: 'properties_out_of_bounds' },
        };
      },
  ),
  // Prototype keys at the top level, in properties and deeper: enriched, and nothing polluted.
  fc
    .tuple(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        'valueOf',
      ),
      fc.constantFrom('top', 'properties', 'nested'),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(
      ([key, where, value]): Make =>
        (id, sid) => {
          const head = JSON.stringify(base(id, sid)).slice(0, -1);
          const pair = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
          const text =
            where === 'top'
              ? `${head},${pair}}`
              : where === 'properties'
                ? `${head},"properties":{${pair}}}`
                : `${head},"properties":{"a":{${pair}}}}`;
          return {
            family: 'prototype keys',
            text,
            // Nested deeper than the properties limit, or a value too big, are refused; the rest
            // is enriched.
            expect: { outcome: 'either' },
          };
        },
    ),
  // Invalid UTF-8 inside a string value.
  fc
    .tuple(
      fc.constantFrom(
        [0xff],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
      ),
      fc.constantFrom('url', 'user_id', 'user_agent'),
    )
    .map(
      ([bad, field]): Make =>
        (id, sid) => {
          const marker = 'XXBADXX';
          const text = JSON.stringify({ ...base(id, sid), [field]: `a${marker}b` });
          const [before, after] = text.split(marker) as [string, string];
          return {
            family: 'invalid UTF-8',
            bytes: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]),
            expect: { outcome: 'dlq', reason: 'invalid_utf8' },
          };
        },
    ),
  // Numbers as strings and other type confusion.
  fc
    .tuple(
      fc.constantFrom('event_id', 'user_id', 'session_id', 'type', 'url', 'properties', 'ip'),
      fc.oneof(
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 3 }),
      ),
    )
    .map(
      ([field, value]): Make =>
        (id, sid) => ({
          family: 'type confusion',
          fields: { ...base(id, sid), [field]: value },
          expect: { outcome: 'dlq' },
        }),
    ),
  fc.integer({ min: TS_MIN, max: TS_MAX }).map(
    (ms): Make =>
      (id, sid) => ({
        family: 'number as string',
        fields: { ...base(id, sid), timestamp: String(ms) },
        expect: { outcome: 'dlq', reason: 'invalid_timestamp' },
      }),
  ),
  // Timestamps far in the past or future, at the edges, or malformed.
  fc
    .oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.constantFrom(0, -1, TS_MIN - 1, TS_MIN, TS_MAX, TS_MAX + 1, 1_700_000_000, 1.5e12 + 0.5),
      fc
        .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc.constantFrom(
        '2024-02-30T00:00:00Z',
        '2024-01-01T00:00:00',
        '2024-01-01T24:00:00Z',
        '2024-01-01T00:00:00+23:59',
        '1999-12-31T23:59:59.999Z',
        '2100-01-01T00:00:00.000Z',
        '2100-01-01T00:00:00.001Z',
        'yesterday',
        '',
      ),
    )
    .map(
      (ts): Make =>
        (id, sid) => {
          const ms = typeof ts === 'number' ? ts : expectedIsoMs(ts);
          const ok = ms !== undefined && Number.isSafeInteger(ms) && ms >= TS_MIN && ms <= TS_MAX;
          return {
            family: 'far timestamps',
            fields: { ...base(id, sid), timestamp: ts },
            expect: ok ? { outcome: 'enriched' } : { outcome: 'dlq', reason: 'invalid_timestamp' },
          };
        },
    ),
  // Garbage: arbitrary bytes, JSON that is no object, truncated JSON, nothing at all.
  fc
    .oneof(
      fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
      fc
        .jsonValue()
        .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
        .map((v) => Buffer.from(JSON.stringify(v))),
      fc.nat({ max: 80 }).map((n) => Buffer.from(JSON.stringify(base('x', 'y')).slice(0, n))),
    )
    .map(
      (bytes): Make =>
        () => ({ family: 'garbage', bytes, expect: { outcome: 'dlq' } }),
    ),
];

/** Epoch ms of an ISO-8601 string with an offset, by the calendar (undefined: not valid). */
function expectedIsoMs(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/.exec(
      text,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m.map((x) => x ?? '') as string[];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s || '0'].map(
    Number,
  ) as number[];
  const last = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate();
  if (
    (month as number) < 1 ||
    (month as number) > 12 ||
    (day as number) < 1 ||
    (day as number) > last
  )
    return undefined;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined;
  const millis = Number((frac ?? '').slice(0, 3).padEnd(3, '0'));
  const offset =
    off === 'Z'
      ? 0
      : (off?.startsWith('-') ? -1 : 1) *
        (Number(off?.slice(1, 3)) * 60 + Number(off?.slice(4, 6)));
  return (
    Date.UTC(year as number, (month as number) - 1, day as number, hour, minute, second, millis) -
    offset * 60_000
  );
}

/** `count` cases, reproducible for a seed; ids are `${tag}-${n}`. */
export function hostileCorpus(count: number, seed: number, tag: string): HostileCase[] {
  const makes = fc.sample(fc.oneof(...families), { numRuns: count, seed });
  return makes.map((make, n) => {
    const id = `${tag}-${n}`;
    const sid = `${tag}-s${n % 50}`;
    const draft = make(id, sid);
    const value =
      draft.bytes ??
      Buffer.from(draft.text ?? JSON.stringify(draft.fields as Record<string, unknown>));
    return {
      family: draft.family,
      eventId: draft.bytes || draft.family === 'garbage' ? undefined : id,
      key: sid,
      value,
      expect: draft.expect,
    };
  });
}
