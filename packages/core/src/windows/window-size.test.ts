import { describe, expect, it } from 'vitest';
import { parseDuration, parseWindowSizes, windowStart } from './window-size.ts';

describe('parseDuration', () => {
  it('reads the units the CLI documents', () => {
    expect(parseDuration('0')).toEqual({ ok: true, ms: 0 });
    expect(parseDuration('250ms')).toEqual({ ok: true, ms: 250 });
    expect(parseDuration('30s')).toEqual({ ok: true, ms: 30_000 });
    expect(parseDuration('5m')).toEqual({ ok: true, ms: 300_000 });
    expect(parseDuration('1h')).toEqual({ ok: true, ms: 3_600_000 });
  });
  it('refuses a number without a unit and garbage', () => {
    expect(parseDuration('30').ok).toBe(false);
    expect(parseDuration('-1s').ok).toBe(false);
    expect(parseDuration('1 week').ok).toBe(false);
  });
});

describe('parseWindowSizes', () => {
  it('sorts sizes and keeps their names', () => {
    const r = parseWindowSizes('1h,1m,5m');
    expect(r).toEqual({
      ok: true,
      sizes: [
        { name: '1m', ms: 60_000 },
        { name: '5m', ms: 300_000 },
        { name: '1h', ms: 3_600_000 },
      ],
    });
  });
  it('refuses duplicates, zero and sub-second sizes', () => {
    expect(parseWindowSizes('1m,1m').ok).toBe(false);
    expect(parseWindowSizes('0s').ok).toBe(false);
    expect(parseWindowSizes('1500ms').ok).toBe(false);
  });
});

describe('windowStart', () => {
  it('puts an event exactly on a boundary into the window that starts there', () => {
    const t = Date.UTC(2026, 0, 1, 10, 5, 0);
    expect(windowStart(t, 60_000)).toBe(t);
    expect(windowStart(t - 1, 60_000)).toBe(t - 60_000);
    expect(windowStart(t, 3_600_000)).toBe(Date.UTC(2026, 0, 1, 10));
  });
});
