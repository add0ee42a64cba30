import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_LIMITS } from './event-limits.ts';
import { createRawEventSchema, EVENT_TYPE_PATTERN, KNOWN_EVENT_FIELDS } from './event-schema.ts';

const base = {
  event_id: 'e',
  type: 'pageview',
  timestamp: 1,
  user_id: 'u',
  session_id: 's',
};

describe('createRawEventSchema', () => {
  it('passes unknown fields through under keep and refuses them under reject', () => {
    const keep = createRawEventSchema(DEFAULT_EVENT_LIMITS, 'keep').safeParse({ ...base, x: 1 });
    expect(keep.success && (keep.data as Record<string, unknown>).x).toBe(1);
    const reject = createRawEventSchema(DEFAULT_EVENT_LIMITS, 'reject').safeParse({
      ...base,
      x: 1,
    });
    expect(reject.success).toBe(false);
    expect(reject.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('takes its bounds from the limits it is given', () => {
    const schema = createRawEventSchema({ ...DEFAULT_EVENT_LIMITS, maxIdLength: 3 }, 'keep');
    expect(schema.safeParse({ ...base, user_id: 'abc' }).success).toBe(true);
    expect(schema.safeParse({ ...base, user_id: 'abcd' }).success).toBe(false);
  });

  it('lists every schema field as known, so keep never moves a real field', () => {
    const shapeKeys = Object.keys(createRawEventSchema(DEFAULT_EVENT_LIMITS, 'keep').shape);
    expect(new Set(shapeKeys)).toEqual(KNOWN_EVENT_FIELDS);
  });

  it('allows identifier-like custom types only', () => {
    expect(EVENT_TYPE_PATTERN.test('signup_completed')).toBe(true);
    expect(EVENT_TYPE_PATTERN.test('app:open')).toBe(true);
    expect(EVENT_TYPE_PATTERN.test('1st')).toBe(false);
    expect(EVENT_TYPE_PATTERN.test('a b')).toBe(false);
  });
});

describe('ip field', () => {
  const schema = createRawEventSchema(DEFAULT_EVENT_LIMITS, 'keep');
  const base = { event_id: 'e1', type: 'pageview', timestamp: 1, user_id: 'u', session_id: 's' };
  it.each(['81.2.69.160', '10.0.0.1', '2a02:1234::1', '::1'])('accepts the address %s', (ip) => {
    expect(schema.safeParse({ ...base, ip }).success).toBe(true);
  });
  it.each(['999.1.2.3', 'not-an-ip', '1.2.3', '1.2.3.4/24'])('rejects %s at path ip', (ip) => {
    const r = schema.safeParse({ ...base, ip });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['ip']);
  });
});
