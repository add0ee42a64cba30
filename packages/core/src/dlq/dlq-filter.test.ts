import { describe, expect, it } from 'vitest';
import { decodeDlqCursor, dlqFilterSchema, encodeDlqCursor, parseSince } from './dlq-filter.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseSince', () => {
  it('reads a duration back from now, or an ISO-8601 time', () => {
    expect(parseSince('90m', NOW)).toEqual({ ok: true, ms: NOW - 90 * 60_000 });
    expect(parseSince('7d', NOW)).toEqual({ ok: true, ms: NOW - 7 * 86_400_000 });
    expect(parseSince('2026-02-28T00:00:00Z', NOW)).toEqual({
      ok: true,
      ms: Date.parse('2026-02-28T00:00:00Z'),
    });
  });

  it('refuses anything else, saying what it takes', () => {
    const r = parseSince('yesterday', NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/duration .* ISO-8601/);
  });
});

describe('DLQ cursor', () => {
  it('round-trips a page end', () => {
    const c = { failedAtMs: NOW, id: 123_456 };
    expect(decodeDlqCursor(encodeDlqCursor(c))).toEqual(c);
  });

  it('rejects a cursor that is not one of ours', () => {
    expect(decodeDlqCursor('bm9wZQ')).toBeUndefined();
    expect(decodeDlqCursor('')).toBeUndefined();
  });
});

describe('dlqFilterSchema', () => {
  it('accepts the statuses of the inbox and refuses others', () => {
    expect(dlqFilterSchema.safeParse({ status: ['new', 'failed-again'] }).success).toBe(true);
    expect(dlqFilterSchema.safeParse({ status: ['done'] }).success).toBe(false);
  });

  it('bounds the text search and checks signature ids', () => {
    expect(dlqFilterSchema.safeParse({ text: 'x'.repeat(201) }).success).toBe(false);
    expect(dlqFilterSchema.safeParse({ text: 'ab' }).success).toBe(false);
    expect(dlqFilterSchema.safeParse({ text: 'abc' }).success).toBe(true);
    expect(dlqFilterSchema.safeParse({ signature: 'abc' }).success).toBe(false);
    expect(dlqFilterSchema.safeParse({ signature: 'a'.repeat(32) }).success).toBe(true);
  });
});
