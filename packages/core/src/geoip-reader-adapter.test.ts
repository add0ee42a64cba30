import { describe, expect, it } from 'vitest';
import { LONDON } from './geoip-lookup.fake.ts';
import { geoLookupFromMmdb } from './geoip-reader-adapter.ts';

function reader(ipVersion: number) {
  const asked: string[] = [];
  return {
    asked,
    metadata: { ipVersion },
    get(ip: string) {
      asked.push(ip);
      if (ip === 'boom') throw new Error('EIO');
      return ip === '81.2.69.160' || ip === '2a02::1' ? LONDON : null;
    },
  };
}

describe('geoLookupFromMmdb', () => {
  it('returns the record for a known address and undefined for an absent one', () => {
    const lookup = geoLookupFromMmdb(reader(6), new Date(1_700_000_000_000));
    expect(lookup.city('81.2.69.160')).toBe(LONDON);
    expect(lookup.city('2a02::1')).toBe(LONDON);
    expect(lookup.city('8.8.8.8')).toBeUndefined();
    expect(lookup.buildTime.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('answers an IPv6 address in an IPv4-only database as absent without walking the tree', () => {
    const r = reader(4);
    const lookup = geoLookupFromMmdb(r, new Date(0));
    expect(lookup.city('2a02::1')).toBeUndefined();
    expect(r.asked).toEqual([]);
    expect(lookup.city('81.2.69.160')).toBe(LONDON);
  });

  it('lets a reader fault through, for the enricher to treat as transient', () => {
    const lookup = geoLookupFromMmdb(reader(6), new Date(0));
    expect(() => lookup.city('boom')).toThrow('EIO');
  });
});
