import { describe, expect, it } from 'vitest';
import { dimensionsOf, parseAggregationEvent } from './aggregation-event.ts';

const base = { event_id: 'e1', type: 'pageview', user_id: 'u1', session_id: 's1' };

describe('parseAggregationEvent', () => {
  it('reads ISO and epoch-ms timestamps to the same instant', () => {
    const iso = parseAggregationEvent(
      JSON.stringify({ ...base, timestamp: '2026-01-01T10:00:00+01:00' }),
    );
    const ms = parseAggregationEvent(
      JSON.stringify({ ...base, timestamp: Date.UTC(2026, 0, 1, 9) }),
    );
    expect(iso.ok && iso.event.timeMs).toBe(Date.UTC(2026, 0, 1, 9));
    expect(ms.ok && ms.event.timeMs).toBe(Date.UTC(2026, 0, 1, 9));
  });

  it('prefers the enriched timestamp_ms and reads geo and ua', () => {
    const r = parseAggregationEvent(
      JSON.stringify({
        ...base,
        timestamp: '2026-01-01T00:00:00Z',
        timestamp_ms: 5_000_000_000_000,
        url: 'https://x/a',
        geo: { country_code: 'GB' },
        ua: { device_type: 'mobile' },
      }),
    );
    expect(r).toMatchObject({
      ok: true,
      event: { timeMs: 5_000_000_000_000, url: 'https://x/a', country: 'GB', deviceType: 'mobile' },
    });
  });

  it('refuses what cannot be placed in a window', () => {
    expect(parseAggregationEvent('{')).toEqual({ ok: false, reason: 'invalid_json' });
    expect(parseAggregationEvent(JSON.stringify({ ...base, timestamp: 1_700_000_000 }))).toEqual({
      ok: false,
      reason: 'invalid_timestamp',
    });
    expect(parseAggregationEvent(JSON.stringify({ type: 'x' }))).toEqual({
      ok: false,
      reason: 'missing_field',
    });
  });
});

describe('dimensionsOf', () => {
  it('joins enabled dimensions sorted by key', () => {
    const r = parseAggregationEvent(
      JSON.stringify({ ...base, timestamp: 1_800_000_000_000, ua: { device_type: 'tablet' } }),
    );
    if (!r.ok) throw new Error('fixture');
    expect(dimensionsOf(r.event, [])).toBe('');
    expect(dimensionsOf(r.event, ['device_type', 'country'])).toBe(
      'country=unknown;device_type=tablet',
    );
  });
});
