// Adapts a MaxMind DB reader (mmdb-lib's `Reader`, which the worker opens) to `GeoLookup`,
// without importing it: core takes the already-opened reader from the worker. The records are
// the database's own (snake_case, as MaxMind writes them); enrichment reads the few fields it
// needs from them directly, so no per-lookup model object is built.
import type { CityRecord, GeoLookup } from './geoip-enricher.ts';

export interface MmdbCityReader {
  /** The record for an address, or null when the database has none. */
  get(ip: string): CityRecord | null;
  readonly metadata: { readonly ipVersion: number };
}

/**
 * @param ip a valid address as `classifyIp` normalised it. An IPv6 address has no record in an
 * IPv4-only database: the tree would be walked with the address's first 32 bits, so it is
 * answered "not found" before that.
 */
export function geoLookupFromMmdb(reader: MmdbCityReader, buildTime: Date): GeoLookup {
  const ipv4Only = reader.metadata.ipVersion === 4;
  return {
    buildTime,
    city(ip) {
      if (ipv4Only && ip.includes(':')) return undefined;
      return reader.get(ip) ?? undefined;
    },
  };
}
