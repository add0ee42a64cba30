import { describe, expect, it } from 'vitest';
import { createGeoEnricher } from './geoip-enricher.ts';
import { fakeGeoLookup } from './geoip-lookup.fake.ts';

describe('createGeoEnricher', () => {
  it('enriches a public IPv4 address with every geo field', () => {
    const enricher = createGeoEnricher({ lookup: fakeGeoLookup() });
    expect(enricher.enrich('81.2.69.160')).toEqual({
      status: 'ok',
      geo: {
        city: 'London',
        region: 'England',
        region_code: 'ENG',
        country: 'United Kingdom',
        country_code: 'GB',
        latitude: 51.5142,
        longitude: -0.0931,
        postal_code: 'EC1A',
        time_zone: 'Europe/London',
        accuracy_radius: 10,
      },
    });
  });

  it('enriches IPv6 and leaves absent fields null', () => {
    const { status, geo } = createGeoEnricher({ lookup: fakeGeoLookup() }).enrich('2a02:1234::1');
    expect(status).toBe('ok');
    expect(geo).toMatchObject({
      city: 'Berlin',
      country_code: 'DE',
      region: null,
      postal_code: null,
    });
  });

  it('looks up IPv4-mapped IPv6 as the IPv4 address', () => {
    const lookup = fakeGeoLookup();
    const result = createGeoEnricher({ lookup }).enrich('::ffff:81.2.69.160');
    expect(result.geo?.city).toBe('London');
    expect(lookup.calls).toEqual(['81.2.69.160']);
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['192.168.0.10', 'private'],
    ['::1', 'private'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['not-an-ip', 'invalid'],
    ['8.8.8.8', 'not_found'],
    ['2a02:9999::1', 'not_found'],
  ])('reports %j as %s without geo', (ip, status) => {
    const lookup = fakeGeoLookup();
    const result = createGeoEnricher({ lookup }).enrich(ip);
    expect(result).toEqual({ status, geo: null });
    // Only public addresses ever reach the database.
    expect(lookup.calls.length).toBe(status === 'not_found' ? 1 : 0);
  });

  it('counts cache hits and misses and skips the lookup on a hit', () => {
    const lookup = fakeGeoLookup();
    const enricher = createGeoEnricher({ lookup });
    enricher.enrich('81.2.69.160');
    enricher.enrich('81.2.69.160');
    enricher.enrich('8.8.8.8');
    enricher.enrich('8.8.8.8');
    enricher.enrich('81.2.69.160');
    expect(lookup.calls).toEqual(['81.2.69.160', '8.8.8.8']);
    expect(enricher.stats()).toMatchObject({ hits: 3, misses: 2, size: 2 });
  });

  it('keeps the cache within its bound', () => {
    const enricher = createGeoEnricher({ lookup: fakeGeoLookup(), cacheSize: 8 });
    for (let i = 0; i < 50; i++) enricher.enrich(`81.2.69.${i}`);
    expect(enricher.stats()).toMatchObject({ size: 8, max: 8, misses: 50 });
  });

  it('lets a lookup fault escape uncached, so a retry looks up again', () => {
    const lookup = fakeGeoLookup();
    const enricher = createGeoEnricher({ lookup });
    lookup.failWith = new Error('database reloading');
    expect(() => enricher.enrich('81.2.69.160')).toThrow('database reloading');
    lookup.failWith = undefined;
    expect(enricher.enrich('81.2.69.160').status).toBe('ok');
  });

  it('exposes the database build time and returns frozen results', () => {
    const enricher = createGeoEnricher({ lookup: fakeGeoLookup() });
    expect(enricher.buildIso).toBe('2024-05-01T00:00:00.000Z');
    expect(Object.isFrozen(enricher.enrich('81.2.69.160').geo)).toBe(true);
  });
});
