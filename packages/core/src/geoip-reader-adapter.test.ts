import { describe, expect, it } from 'vitest';
import { LONDON } from './geoip-lookup.fake.ts';
import { geoLookupFromReader, isAddressNotFound } from './geoip-reader-adapter.ts';

// Same shape as geoip2-node's errors: a subclass that sets `name` to its class name.
class AddressNotFoundError extends Error {
  override name = 'AddressNotFoundError';
}
class ValueError extends Error {
  override name = 'ValueError';
}

const reader = {
  city(ip: string) {
    if (ip === '81.2.69.160') return LONDON;
    if (ip === 'boom') throw new Error('EIO');
    if (ip.includes(':')) throw new ValueError(`${ip} is invalid`);
    throw new AddressNotFoundError(`The address ${ip} is not in the database`);
  },
};

describe('geoLookupFromReader', () => {
  const lookup = geoLookupFromReader(reader, new Date(1_700_000_000_000));

  it('returns the record for a known address', () => {
    expect(lookup.city('81.2.69.160')).toBe(LONDON);
    expect(lookup.buildTime.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('turns not-found and value errors into undefined', () => {
    expect(lookup.city('8.8.8.8')).toBeUndefined();
    expect(lookup.city('2a02::1')).toBeUndefined();
  });

  it('rethrows any other error', () => {
    expect(() => lookup.city('boom')).toThrow('EIO');
  });

  it('recognises not-found errors by name only', () => {
    expect(isAddressNotFound(new AddressNotFoundError('x'))).toBe(true);
    expect(isAddressNotFound(new Error('x'))).toBe(false);
    expect(isAddressNotFound('AddressNotFoundError')).toBe(false);
  });
});
