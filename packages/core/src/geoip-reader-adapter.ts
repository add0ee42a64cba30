// Adapts a reader shaped like @maxmind/geoip2-node's `ReaderModel` (what `Reader.openBuffer`
// returns) to `GeoLookup`, without importing the package: core takes the already-opened reader
// from the worker. The reader reports "no record" by throwing; here that becomes `undefined`,
// so only genuine faults remain exceptions.
import type { CityRecord, GeoLookup } from './geoip-enricher.ts';

export interface CityReader {
  city(ip: string): CityRecord;
}

/**
 * geoip2-node throws `AddressNotFoundError` for an address absent from the database and
 * `ValueError` for one it cannot look up (e.g. IPv6 in an IPv4-only database). Both mean "this
 * database cannot place the address". Matched by name so core needs no runtime import.
 */
const NOT_FOUND_ERRORS: ReadonlySet<string> = new Set(['AddressNotFoundError', 'ValueError']);

export function isAddressNotFound(error: unknown): boolean {
  return error instanceof Error && NOT_FOUND_ERRORS.has(error.name || error.constructor.name);
}

/**
 * @param buildTime the database build time; geoip2-node 6.x keeps metadata on its private
 * mmdb reader, so the worker reads it with mmdb-lib (`new Reader(buf).metadata.buildEpoch`).
 */
export function geoLookupFromReader(reader: CityReader, buildTime: Date): GeoLookup {
  return {
    buildTime,
    city(ip) {
      try {
        return reader.city(ip);
      } catch (error) {
        if (isAddressNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}
