import { describe, expect, it } from 'vitest';
import { normaliseTimestamp } from './event-timestamp.ts';

const ok = (input: unknown) => {
  const r = normaliseTimestamp(input);
  if (!r.ok) throw new Error(`expected ok, got ${r.message}`);
  return r.value;
};

describe('normaliseTimestamp', () => {
  it('accepts epoch milliseconds', () => {
    expect(ok(1_700_000_000_123)).toEqual({
      ms: 1_700_000_000_123,
      iso: '2023-11-14T22:13:20.123Z',
    });
  });

  it('accepts ISO-8601 in UTC and with offsets, normalised to UTC', () => {
    expect(ok('2024-03-01T12:00:00Z').ms).toBe(Date.UTC(2024, 2, 1, 12));
    expect(ok('2024-03-01T14:00:00+02:00').iso).toBe('2024-03-01T12:00:00.000Z');
    expect(ok('2024-03-01T07:30:00-0430').iso).toBe('2024-03-01T12:00:00.000Z');
    expect(ok('2024-03-01T12:00Z').iso).toBe('2024-03-01T12:00:00.000Z');
  });

  it('keeps milliseconds and truncates finer fractions', () => {
    expect(ok('2024-03-01T12:00:00.5Z').iso).toBe('2024-03-01T12:00:00.500Z');
    expect(ok('2024-03-01T12:00:00.123456789Z').ms).toBe(Date.UTC(2024, 2, 1, 12, 0, 0, 123));
  });

  it.each([
    ['no offset', '2024-03-01T12:00:00'],
    ['date only', '2024-03-01'],
    ['not a date', 'yesterday'],
    ['impossible day', '2024-02-30T00:00:00Z'],
    ['hour 24', '2024-03-01T24:00:00Z'],
    ['RFC 2822', 'Fri, 01 Mar 2024 12:00:00 GMT'],
  ])('rejects %s', (_label, input) => {
    expect(normaliseTimestamp(input).ok).toBe(false);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(normaliseTimestamp('2024-02-29T00:00:00Z').ok).toBe(true);
    expect(normaliseTimestamp('2023-02-29T00:00:00Z').ok).toBe(false);
  });

  it('rejects epoch seconds, fractions, and non-numbers', () => {
    const seconds = normaliseTimestamp(1_700_000_000);
    expect(seconds.ok).toBe(false);
    if (!seconds.ok) expect(seconds.message).toContain('epoch seconds');
    expect(normaliseTimestamp(1_700_000_000_000.5).ok).toBe(false);
    expect(normaliseTimestamp(Number.NaN).ok).toBe(false);
    expect(normaliseTimestamp(null).ok).toBe(false);
  });

  it('applies a custom range', () => {
    expect(normaliseTimestamp(5, { minMs: 0, maxMs: 10 }).ok).toBe(true);
    expect(normaliseTimestamp(11, { minMs: 0, maxMs: 10 }).ok).toBe(false);
  });
});
