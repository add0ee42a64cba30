// An in-memory GeoLookup for unit tests: exact-address records, with a call counter so tests can
// tell a cache hit from a lookup.
import type { CityRecord, GeoLookup } from './geoip-enricher.ts';

export const LONDON: CityRecord = {
  city: { names: { en: 'London' } },
  subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
  country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
  location: {
    latitude: 51.5142,
    longitude: -0.0931,
    time_zone: 'Europe/London',
    accuracy_radius: 10,
  },
  postal: { code: 'EC1A' },
};

export const BERLIN: CityRecord = {
  city: { names: { en: 'Berlin' } },
  country: { iso_code: 'DE', names: { en: 'Germany' } },
  location: {
    latitude: 52.5244,
    longitude: 13.4105,
    time_zone: 'Europe/Berlin',
    accuracy_radius: 20,
  },
};

export interface FakeGeoLookup extends GeoLookup {
  calls: string[];
  failWith: Error | undefined;
}

export function fakeGeoLookup(
  records: Record<string, CityRecord> = { '81.2.69.160': LONDON, '2a02:1234::1': BERLIN },
  buildTime = new Date('2024-05-01T00:00:00Z'),
): FakeGeoLookup {
  const fake: FakeGeoLookup = {
    buildTime,
    calls: [],
    failWith: undefined,
    city(ip) {
      fake.calls.push(ip);
      if (fake.failWith !== undefined) throw fake.failWith;
      return records[ip];
    },
  };
  return fake;
}
