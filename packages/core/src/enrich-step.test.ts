import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createEnrichStep, type EnrichOutcome, type RawMessage } from './enrich-step.ts';
import { TransientLookupError } from './error-classification.ts';
import { createGeoEnricher } from './geoip-enricher.ts';
import { fakeGeoLookup } from './geoip-lookup.fake.ts';
import { createUaEnricher } from './ua-enricher.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

const event = (patch: Record<string, unknown> = {}) => ({
  event_id: 'e-1',
  type: 'pageview',
  timestamp: 1_709_294_400_000,
  user_id: 'u-1',
  session_id: 's-1',
  ip: '81.2.69.160',
  user_agent: CHROME,
  ...patch,
});

let offset = 0;
const message = (value: unknown): RawMessage => ({
  key: Buffer.from('s-1'),
  value:
    value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  topic: 'events.raw',
  partition: 3,
  offset: String(offset++),
  timestamp: '1709294401000',
});

function setup(config?: Parameters<typeof createEnrichStep>[0]['config']) {
  const lookup = fakeGeoLookup();
  const geo = createGeoEnricher({ lookup });
  const ua = createUaEnricher();
  const step = createEnrichStep({ geo, ua, config, now: () => Date.UTC(2024, 2, 1, 12, 0, 5) });
  return { step, lookup, geo, ua };
}

const okEvent = (outcome: EnrichOutcome | undefined) => {
  if (outcome?.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.event;
};

describe('createEnrichStep', () => {
  it('enriches a valid event with geo, ua, enriched_at and the database build', () => {
    const [outcome] = setup().step([message(event())]);
    const enriched = okEvent(outcome);
    expect(enriched).toMatchObject({
      event_id: 'e-1',
      timestamp: '2024-03-01T12:00:00.000Z',
      timestamp_ms: 1_709_294_400_000,
      geo_status: 'ok',
      geo: { city: 'London', country_code: 'GB' },
      ua: { browser: 'Chrome', device_type: 'desktop', is_bot: false },
      enriched_at: '2024-03-01T12:00:05.000Z',
      geoip_build: '2024-05-01T00:00:00.000Z',
    });
  });

  it('returns one outcome per message, in order, mixing ok and dlq', () => {
    const outcomes = setup().step([
      message(event({ event_id: 'a' })),
      message('{not json'),
      message(null),
      message(event({ event_id: 'b', ip: '10.0.0.1' })),
      message(event({ event_id: 'c', type: 'has space' })),
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'dlq', 'dlq', 'ok', 'dlq']);
    expect(outcomes[1]).toMatchObject({
      reason: 'invalid_json',
      errorClass: 'InvalidEvent',
      retryable: false,
    });
    expect(outcomes[2]).toMatchObject({ reason: 'empty', retryable: false });
    expect(outcomes[4]).toMatchObject({ reason: 'invalid_format', path: 'type' });
    expect(okEvent(outcomes[3])).toMatchObject({ event_id: 'b', geo_status: 'private', geo: null });
  });

  it('reports unplaceable and absent addresses as statuses, not failures', () => {
    const outcomes = setup().step([
      message(event({ ip: '8.8.8.8' })),
      message(event({ ip: undefined, user_agent: undefined })),
    ]);
    expect(outcomes.map((o) => okEvent(o).geo_status)).toEqual(['not_found', 'missing']);
    expect(okEvent(outcomes[1]).ua).toBeNull();
  });

  it('dead-letters an ip field that is no address at all, naming the path', () => {
    const [outcome] = setup().step([message(event({ ip: 'garbage' }))]);
    expect(outcome).toMatchObject({
      kind: 'dlq',
      reason: 'invalid_value',
      path: 'ip',
      retryable: false,
    });
  });

  it('applies the unknown-fields policy from config', () => {
    const keep = setup().step([message(event({ campaign: 'x' }))]);
    expect(okEvent(keep[0]).properties).toEqual({ campaign: 'x' });
    const reject = setup({ unknownFields: 'reject' }).step([message(event({ campaign: 'x' }))]);
    expect(reject[0]).toMatchObject({ kind: 'dlq', reason: 'unknown_field', path: 'campaign' });
  });

  it('turns a transient lookup fault into a retryable dlq outcome with the partial result', () => {
    const { step, lookup } = setup();
    lookup.failWith = new TransientLookupError('database reloading');
    const [outcome] = step([message(event())]);
    expect(outcome).toMatchObject({
      kind: 'dlq',
      reason: 'geo_lookup_failed',
      errorClass: 'TransientLookupError',
      retryable: true,
      path: 'ip',
      partial: { event_id: 'e-1', ua: { browser: 'Chrome' } },
    });
    // The retry the worker makes succeeds once the fault is gone.
    lookup.failWith = undefined;
    expect(step([message(event())])[0]?.kind).toBe('ok');
  });

  it('marks a non-transient lookup fault as not retryable', () => {
    const { step, lookup } = setup();
    lookup.failWith = new TypeError('bug in adapter');
    expect(step([message(event())])[0]).toMatchObject({
      errorClass: 'TypeError',
      retryable: false,
    });
  });

  it('reads the clock once per batch and omits enriched_at without a clock', () => {
    let reads = 0;
    const geo = createGeoEnricher({ lookup: fakeGeoLookup() });
    const ua = createUaEnricher();
    const step = createEnrichStep({ geo, ua, now: () => ++reads * 1000 + 1_709_294_400_000 });
    const outcomes = step([message(event()), message(event()), message(event())]);
    expect(reads).toBe(1);
    expect(new Set(outcomes.map((o) => okEvent(o).enriched_at)).size).toBe(1);
    const noClock = createEnrichStep({ geo, ua })([message(event())]);
    expect(okEvent(noClock[0]).enriched_at).toBeNull();
  });

  it('serves repeated addresses and user agents from the caches', () => {
    const { step, lookup, geo, ua } = setup();
    step(Array.from({ length: 10 }, () => message(event())));
    expect(lookup.calls).toHaveLength(1);
    expect(geo.stats()).toMatchObject({ hits: 9, misses: 1 });
    expect(ua.stats()).toMatchObject({ hits: 9, misses: 1 });
  });

  it('returns an empty array for an empty batch', () => {
    expect(setup().step([])).toEqual([]);
  });
});
