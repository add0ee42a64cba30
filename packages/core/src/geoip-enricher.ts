// Geo-IP enrichment: turns an event's IP into a `geo` block and a `geo_status`. The database is
// injected as a `GeoLookup` (the worker adapts mmdb-lib's reader, see
// geoip-reader-adapter.ts), so core never opens files. Addresses that cannot be placed are
// outcomes with a status, never failures; only a thrown lookup (a transient fault) escapes.
import { type CacheStats, createCountingCache } from './counting-cache.ts';
import { classifyIp } from './ip-classifier.ts';

interface Names {
  readonly en?: string;
}

/** The subset of a GeoIP2/GeoLite2 City record that enrichment reads, as the database stores it. */
export interface CityRecord {
  readonly city?: { readonly names?: Names };
  readonly subdivisions?: readonly { readonly iso_code?: string; readonly names?: Names }[];
  readonly country?: { readonly iso_code?: string; readonly names?: Names };
  readonly location?: {
    readonly latitude?: number;
    readonly longitude?: number;
    readonly time_zone?: string;
    readonly accuracy_radius?: number;
  };
  readonly postal?: { readonly code?: string };
}

export interface GeoLookup {
  /** The record for `ip`, or undefined when the database has none. Throws only for faults. */
  city(ip: string): CityRecord | undefined;
  /** Build time of the database, recorded on every enriched event and DLQ record. */
  readonly buildTime: Date;
}

export type GeoStatus = 'ok' | 'private' | 'reserved' | 'invalid' | 'not_found' | 'missing';

export interface GeoInfo {
  readonly city: string | null;
  readonly region: string | null;
  readonly region_code: string | null;
  readonly country: string | null;
  readonly country_code: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly postal_code: string | null;
  readonly time_zone: string | null;
  readonly accuracy_radius: number | null;
}

export interface GeoResult {
  readonly status: GeoStatus;
  /** Present only when status is `ok`. */
  readonly geo: GeoInfo | null;
}

export interface GeoEnricher {
  enrich(ip: string | undefined): GeoResult;
  /** The database build time, ISO-8601. */
  readonly buildIso: string;
  stats(): CacheStats;
}

export interface GeoEnricherOptions {
  readonly lookup: GeoLookup;
  /** Maximum cached addresses. */
  readonly cacheSize?: number;
}

export const DEFAULT_GEO_CACHE_SIZE = 100_000;

// Results are shared between events (and cached), so they are frozen: nobody may edit one
// event's geo block and change another's.
const statusOnly = (status: GeoStatus): GeoResult => Object.freeze({ status, geo: null });
const MISSING = statusOnly('missing');
const INVALID = statusOnly('invalid');
const PRIVATE = statusOnly('private');
const RESERVED = statusOnly('reserved');
const NOT_FOUND = statusOnly('not_found');

export function toGeoInfo(record: CityRecord): GeoInfo {
  const subdivision = record.subdivisions?.[0];
  const location = record.location;
  return Object.freeze({
    city: record.city?.names?.en ?? null,
    region: subdivision?.names?.en ?? null,
    region_code: subdivision?.iso_code ?? null,
    country: record.country?.names?.en ?? null,
    country_code: record.country?.iso_code ?? null,
    latitude: location?.latitude ?? null,
    longitude: location?.longitude ?? null,
    postal_code: record.postal?.code ?? null,
    time_zone: location?.time_zone ?? null,
    accuracy_radius: location?.accuracy_radius ?? null,
  });
}

export function createGeoEnricher(options: GeoEnricherOptions): GeoEnricher {
  const { lookup } = options;
  // The cache is keyed by the address as the event carried it, so a hit skips classification
  // as well as the lookup. One enricher serves one database build: on a reload the worker
  // creates a new enricher, which also drops results from the old build.
  const cache = createCountingCache<GeoResult>(options.cacheSize ?? DEFAULT_GEO_CACHE_SIZE);

  const resolve = (ip: string): GeoResult => {
    const cls = classifyIp(ip);
    switch (cls.kind) {
      case 'invalid':
        return INVALID;
      case 'private':
        return PRIVATE;
      case 'reserved':
        return RESERVED;
      case 'public': {
        const record = lookup.city(cls.address);
        return record === undefined
          ? NOT_FOUND
          : Object.freeze({ status: 'ok', geo: toGeoInfo(record) });
      }
    }
  };

  return {
    enrich(ip) {
      if (ip === undefined || ip === '') return MISSING;
      return cache.getOrCompute(ip, resolve);
    },
    buildIso: lookup.buildTime.toISOString(),
    stats: () => cache.stats(),
  };
}
