import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createEventParser, type ParseOutcome } from './event-parser.ts';

const base = {
  event_id: 'e-1',
  type: 'pageview',
  timestamp: '2024-03-01T12:00:00Z',
  user_id: 'u-1',
  session_id: 's-1',
};

const parse = createEventParser();
const json = (v: unknown) => JSON.stringify(v);

function expectOk(outcome: ParseOutcome) {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

function expectInvalid(outcome: ParseOutcome, reason: string, path?: string) {
  expect(outcome.kind).toBe('invalid');
  if (outcome.kind === 'invalid') {
    expect(outcome.reason).toBe(reason);
    expect(outcome.path).toBe(path);
    expect(outcome.message.length).toBeGreaterThan(0);
  }
}

describe('createEventParser: accepted events', () => {
  it('parses a minimal event from a Buffer and normalises an ISO timestamp', () => {
    const event = expectOk(parse(Buffer.from(json(base))));
    expect(event).toMatchObject({
      event_id: 'e-1',
      type: 'pageview',
      timestamp: '2024-03-01T12:00:00.000Z',
      timestamp_ms: Date.UTC(2024, 2, 1, 12),
    });
  });

  it('normalises an epoch-millisecond timestamp to ISO', () => {
    const event = expectOk(parse(json({ ...base, timestamp: 1_709_294_400_000 })));
    expect(event.timestamp).toBe('2024-03-01T12:00:00.000Z');
    expect(event.timestamp_ms).toBe(1_709_294_400_000);
  });

  it('accepts custom types that are identifiers', () => {
    expect(expectOk(parse(json({ ...base, type: 'checkout.completed' }))).type).toBe(
      'checkout.completed',
    );
  });

  it('keeps optional fields, properties and client hints', () => {
    const event = expectOk(
      parse(
        json({
          ...base,
          type: 'error',
          message: 'boom',
          stack: 'Error: boom\n at x',
          ip: '81.2.69.160',
          properties: { plan: 'pro', n: 3 },
          client_hints: { 'sec-ch-ua-mobile': '?1', 'sec-ch-ua-arch': '"arm"' },
        }),
      ),
    );
    expect(event.message).toBe('boom');
    expect(event.properties).toEqual({ plan: 'pro', n: 3 });
    // Unnamed hints are stripped rather than rejected.
    expect(event.client_hints).toEqual({ 'sec-ch-ua-mobile': '?1' });
  });

  it('moves unknown fields into properties when the policy is keep', () => {
    const event = expectOk(
      parse(json({ ...base, campaign: 'spring', plan: 'x', properties: { plan: 'pro' } })),
    );
    expect(event.properties).toEqual({ plan: 'pro', campaign: 'spring' });
    expect(event).not.toHaveProperty('campaign');
  });
});

describe('createEventParser: rejected events', () => {
  it('rejects unknown fields when the policy is reject, naming the field', () => {
    const strict = createEventParser({ unknownFields: 'reject' });
    expectInvalid(strict(json({ ...base, campaign: 'spring' })), 'unknown_field', 'campaign');
    expectOk(strict(json(base)));
  });

  it('rejects an oversize event before parsing it', () => {
    const small = createEventParser({ limits: { maxEventBytes: 100 } });
    const big = json({ ...base, url: 'x'.repeat(100) });
    expectInvalid(small(big), 'too_large');
    expectInvalid(small(Buffer.from(big)), 'too_large');
    // Multi-byte characters count in bytes, not UTF-16 units.
    expectInvalid(small(json({ ...base, url: 'é'.repeat(30) })), 'too_large');
  });

  it.each([
    ['bad JSON', '{"event_id":', 'invalid_json'],
    ['an array', '[1,2]', 'not_an_object'],
    ['null', 'null', 'not_an_object'],
    ['empty input', '', 'empty'],
  ])('rejects %s', (_label, input, reason) => {
    expectInvalid(parse(input), reason);
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"event_id":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    expectInvalid(parse(bytes), 'invalid_utf8');
  });

  it.each(['event_id', 'type', 'timestamp', 'user_id', 'session_id'])(
    'rejects a missing %s',
    (field) => {
      const event: Record<string, unknown> = { ...base };
      delete event[field];
      expectInvalid(parse(json(event)), 'missing_field', field);
    },
  );

  it.each([
    ['event_id', 129],
    ['user_id', 129],
    ['session_id', 129],
    ['type', 65],
    ['ip', 65],
    ['user_agent', 1025],
    ['url', 4097],
    ['referrer', 4097],
    ['message', 4097],
    ['stack', 32 * 1024 + 1],
  ])('rejects %s longer than its limit', (field, length) => {
    const extra = field === 'type' ? { type: `t${'x'.repeat(length - 1)}` } : {};
    const event = { ...base, [field]: 'x'.repeat(length), ...extra };
    expectInvalid(parse(json(event)), 'too_long', field);
  });

  it('rejects an empty id', () => {
    expectInvalid(parse(json({ ...base, event_id: '' })), 'too_short', 'event_id');
  });

  it('rejects a client hint longer than its limit with the nested path', () => {
    const event = { ...base, client_hints: { 'sec-ch-ua': 'x'.repeat(513) } };
    expectInvalid(parse(json(event)), 'too_long', 'client_hints.sec-ch-ua');
  });

  it.each([
    ['a numeric event_id', { event_id: 42 }, 'invalid_type', 'event_id'],
    ['a type that is not an identifier', { type: 'page view!' }, 'invalid_format', 'type'],
    ['properties that are an array', { properties: [1] }, 'invalid_type', 'properties'],
    ['a boolean timestamp', { timestamp: true }, 'invalid_type', 'timestamp'],
    ['client_hints of the wrong type', { client_hints: 'x' }, 'invalid_type', 'client_hints'],
  ])('rejects %s', (_label, patch, reason, path) => {
    expectInvalid(parse(json({ ...base, ...patch })), reason, path);
  });

  it('rejects bad timestamps with the timestamp path', () => {
    expectInvalid(
      parse(json({ ...base, timestamp: '2024-03-01' })),
      'invalid_timestamp',
      'timestamp',
    );
    expectInvalid(
      parse(json({ ...base, timestamp: 1_709_294_400 })),
      'invalid_timestamp',
      'timestamp',
    );
  });

  it('rejects error events without a message', () => {
    expectInvalid(parse(json({ ...base, type: 'exception' })), 'missing_field', 'message');
  });

  it('rejects properties beyond their bounds, counting kept unknown fields', () => {
    const tight = createEventParser({ limits: { maxPropertyEntries: 2 } });
    expectOk(tight(json({ ...base, properties: { a: 1, b: 2 } })));
    expectInvalid(
      tight(json({ ...base, properties: { a: 1, b: 2 }, extra: 3 })),
      'properties_out_of_bounds',
      'properties.extra',
    );
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expectInvalid(
      parse(json({ ...base, properties: deep })),
      'properties_out_of_bounds',
      'properties.a.b.c.d.e',
    );
  });
});
