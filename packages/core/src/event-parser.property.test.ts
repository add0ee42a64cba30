// Properties of the event parser over generated input (fast-check): whatever the bytes, it
// answers with a value and never throws; what it accepts is bounded and normalised; what it
// refuses carries a reason; parsing never reaches Object.prototype; and each family of hostile
// input the chaos suite sends to the real worker gets the outcome the contract names.
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_LIMITS } from './event-limits.ts';
import { createEventParser, type InvalidReason, type ParseOutcome } from './event-parser.ts';
import { DEFAULT_TIMESTAMP_RANGE } from './event-timestamp.ts';

const parse = createEventParser();
const REASONS: ReadonlySet<InvalidReason> = new Set([
  'empty',
  'too_large',
  'invalid_utf8',
  'invalid_json',
  'not_an_object',
  'missing_field',
  'invalid_type',
  'too_long',
  'too_short',
  'invalid_format',
  'unknown_field',
  'invalid_timestamp',
  'properties_out_of_bounds',
  'invalid_value',
]);
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
/** Keys that reach prototypes when a parser assigns them carelessly. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const RUNS = { numRuns: 300 };

const id = fc.string({ minLength: 1, maxLength: 40 });
const typeName = fc.oneof(
  fc.constantFrom('pageview', 'click', 'error', 'exception'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,30}$/),
);
const inRangeMs = fc.integer({
  min: DEFAULT_TIMESTAMP_RANGE.minMs,
  max: DEFAULT_TIMESTAMP_RANGE.maxMs,
});
/** A flat properties object of scalars (no prototype keys: they have their own property). */
const flatProperties = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !HOSTILE_KEYS.includes(k)),
  fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean(), fc.constant(null)),
  { maxKeys: 10 },
);

const validEvent = fc
  .record(
    {
      event_id: id,
      type: typeName,
      timestamp: fc.oneof(
        inRangeMs,
        inRangeMs.map((ms) => new Date(ms).toISOString()),
      ),
      user_id: id,
      session_id: id,
      url: fc.string({ maxLength: 200 }),
      user_agent: fc.string({ maxLength: 200 }),
      ip: fc.oneof(fc.ipV4(), fc.ipV6()),
      properties: flatProperties,
    },
    { requiredKeys: ['event_id', 'type', 'timestamp', 'user_id', 'session_id'] },
  )
  .map((e) =>
    // Errors and exceptions need a message.
    e.type === 'error' || e.type === 'exception' ? { ...e, message: 'boom' } : e,
  );

function ok(outcome: ParseOutcome) {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

function reasonOf(outcome: ParseOutcome): InvalidReason | 'ok' {
  return outcome.kind === 'ok' ? 'ok' : outcome.reason;
}

/** The contract of every outcome, whatever went in. */
function checkOutcome(input: Uint8Array | string, outcome: ParseOutcome): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_NAMES);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  if (outcome.kind === 'invalid') {
    expect(REASONS.has(outcome.reason)).toBe(true);
    expect(outcome.message.length).toBeGreaterThan(0);
    return;
  }
  const e = outcome.event;
  for (const v of [e.event_id, e.user_id, e.session_id]) {
    expect(v.length).toBeGreaterThan(0);
    expect(v.length).toBeLessThanOrEqual(DEFAULT_EVENT_LIMITS.maxIdLength);
  }
  expect(Number.isSafeInteger(e.timestamp_ms)).toBe(true);
  expect(e.timestamp_ms).toBeGreaterThanOrEqual(DEFAULT_TIMESTAMP_RANGE.minMs);
  expect(e.timestamp_ms).toBeLessThanOrEqual(DEFAULT_TIMESTAMP_RANGE.maxMs);
  expect(e.timestamp).toBe(new Date(e.timestamp_ms).toISOString());
  if (e.properties !== undefined)
    expect(Object.getPrototypeOf(e.properties)).toBe(Object.prototype);
  // Memory per event is bounded by the input's size, never amplified: the parsed event
  // serialises to at most the input plus the normalised timestamp and a properties wrapper.
  const inputBytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  expect(inputBytes).toBeLessThanOrEqual(DEFAULT_EVENT_LIMITS.maxEventBytes);
  expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(inputBytes + 128);
}

describe('event parser properties', () => {
  it('answers any bytes with an outcome, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        checkOutcome(bytes, parse(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('answers any JSON value, with hostile keys anywhere, without reaching Object.prototype', () => {
    const hostileKey = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 10 }));
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(tie('tree'), { maxLength: 4 }),
        fc.dictionary(hostileKey, tie('tree'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(validEvent, fc.dictionary(hostileKey, tree, { maxKeys: 4 }), (e, extra) => {
        // Hostile keys written as JSON text (an object literal with `__proto__` would set the
        // prototype here instead), at the top level and inside properties.
        const text = JSON.stringify(e)
          .replace(
            /^\{/,
            `{${JSON.stringify(extra).slice(1, -1)}${Object.keys(extra).length ? ',' : ''}`,
          )
          .replace(/\}$/, `,"properties":${JSON.stringify(extra)}}`);
        checkOutcome(text, parse(text));
      }),
      RUNS,
    );
  });

  it('gives the same outcome for a string and for its UTF-8 bytes', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      validEvent.map((e) => JSON.stringify(e)),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(parse(Buffer.from(s, 'utf8'))).toEqual(parse(s));
      }),
      RUNS,
    );
  });

  it('accepts every valid event and keeps its fields, with the timestamp normalised', () => {
    fc.assert(
      fc.property(validEvent, (input) => {
        const text = JSON.stringify(input);
        const outcome = parse(text);
        checkOutcome(text, outcome);
        const e = ok(outcome);
        const ms =
          typeof input.timestamp === 'number' ? input.timestamp : Date.parse(input.timestamp);
        expect(e).toMatchObject({
          event_id: input.event_id,
          type: input.type,
          timestamp_ms: ms,
          user_id: input.user_id,
          session_id: input.session_id,
        });
        expect(e.url).toBe(input.url);
        expect(e.ip).toBe(input.ip);
        expect(e.properties).toEqual(input.properties);
      }),
      RUNS,
    );
  });

  it('refuses invalid UTF-8 anywhere in the bytes as invalid_utf8', () => {
    const badSequence = fc.constantFrom(
      [0xff],
      [0xc0, 0x80], // overlong NUL
      [0xed, 0xa0, 0x80], // an encoded surrogate
      [0x80], // a lone continuation byte
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xe2, 0x82], // truncated
    );
    fc.assert(
      fc.property(validEvent, badSequence, fc.nat(), (e, bad, at) => {
        const bytes = Buffer.from(JSON.stringify(e));
        const i = at % (bytes.length + 1);
        const input = Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]);
        expect(reasonOf(parse(input))).toBe('invalid_utf8');
      }),
      RUNS,
    );
  });

  it('takes integer epoch milliseconds exactly within the accepted range', () => {
    const epoch = fc.oneof(
      fc.integer({ min: -1e15, max: 1e16 }),
      fc.constantFrom(
        0,
        -1,
        DEFAULT_TIMESTAMP_RANGE.minMs - 1,
        DEFAULT_TIMESTAMP_RANGE.minMs,
        DEFAULT_TIMESTAMP_RANGE.maxMs,
        DEFAULT_TIMESTAMP_RANGE.maxMs + 1,
        8.64e15,
        Number.MAX_SAFE_INTEGER,
      ),
    );
    fc.assert(
      fc.property(validEvent, epoch, (e, ms) => {
        const inRange = ms >= DEFAULT_TIMESTAMP_RANGE.minMs && ms <= DEFAULT_TIMESTAMP_RANGE.maxMs;
        expect(reasonOf(parse(JSON.stringify({ ...e, timestamp: ms })))).toBe(
          inRange ? 'ok' : 'invalid_timestamp',
        );
      }),
      RUNS,
    );
  });

  it('refuses numbers written as strings, and strings written as numbers', () => {
    const field = fc.constantFrom('event_id', 'user_id', 'session_id', 'type', 'timestamp');
    fc.assert(
      fc.property(validEvent, field, inRangeMs, (e, name, ms) => {
        if (name === 'timestamp') {
          // Epoch milliseconds as a string: neither ISO-8601 nor a number.
          expect(reasonOf(parse(JSON.stringify({ ...e, timestamp: String(ms) })))).toBe(
            'invalid_timestamp',
          );
        } else {
          expect(reasonOf(parse(JSON.stringify({ ...e, [name]: ms })))).toBe('invalid_type');
        }
      }),
      RUNS,
    );
  });

  it('takes properties nested up to the depth limit and refuses deeper ones', () => {
    fc.assert(
      fc.property(validEvent, fc.integer({ min: 0, max: 60 }), fc.boolean(), (e, depth, arrays) => {
        let value: unknown = 1;
        for (let i = 0; i < depth; i++) value = arrays ? [value] : { k: value };
        const outcome = parse(JSON.stringify({ ...e, properties: { deep: value } }));
        // properties itself is level 0; `deep` holds `depth` nested containers from level 1.
        expect(reasonOf(outcome)).toBe(
          depth < DEFAULT_EVENT_LIMITS.maxPropertyDepth ? 'ok' : 'properties_out_of_bounds',
        );
      }),
      RUNS,
    );
  });

  it('refuses strings past their limit, and whole events past the event limit', () => {
    fc.assert(
      fc.property(validEvent, fc.integer({ min: 0, max: 80_000 }), (e, n) => {
        const input = JSON.stringify({ ...e, url: 'u'.repeat(n) });
        const expected =
          Buffer.byteLength(input) > DEFAULT_EVENT_LIMITS.maxEventBytes
            ? 'too_large'
            : n > DEFAULT_EVENT_LIMITS.maxUrlLength
              ? 'too_long'
              : 'ok';
        expect(reasonOf(parse(input))).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
