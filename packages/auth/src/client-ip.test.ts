import { describe, expect, it } from 'vitest';
import { clientIpFrom, normalizeIp } from './client-ip.ts';

const xff = (value: string) => new Headers({ 'x-forwarded-for': value });

describe('clientIpFrom', () => {
  it('ignores X-Forwarded-For without a trusted proxy and uses the TCP peer', () => {
    expect(clientIpFrom(xff('203.0.113.9'), { trustedHops: 0 }, '198.51.100.4')).toBe(
      '198.51.100.4',
    );
    expect(clientIpFrom(xff('203.0.113.9'), { trustedHops: 0 })).toBeNull();
  });

  it('takes the address the outermost trusted proxy appended, not what the client wrote', () => {
    // The client forged "1.1.1.1"; our one proxy appended the address it saw.
    expect(clientIpFrom(xff('1.1.1.1, 203.0.113.9'), { trustedHops: 1 })).toBe('203.0.113.9');
    // Two proxies: a CDN appended the client, our load balancer appended the CDN.
    expect(clientIpFrom(xff('1.1.1.1, 203.0.113.9, 10.0.0.2'), { trustedHops: 2 })).toBe(
      '203.0.113.9',
    );
    // Two headers are one list.
    const two = new Headers();
    two.append('x-forwarded-for', '1.1.1.1');
    two.append('x-forwarded-for', '203.0.113.9');
    expect(clientIpFrom(two, { trustedHops: 1 })).toBe('203.0.113.9');
  });

  it('falls back to the furthest entry when there are fewer entries than hops, else the peer', () => {
    expect(clientIpFrom(xff('203.0.113.9'), { trustedHops: 3 })).toBe('203.0.113.9');
    expect(clientIpFrom(new Headers(), { trustedHops: 1 }, '198.51.100.4')).toBe('198.51.100.4');
  });

  it('gives no address for a value that is not one', () => {
    expect(clientIpFrom(xff('1.1.1.1, not-an-ip'), { trustedHops: 1 })).toBeNull();
    expect(clientIpFrom(xff("'; DROP TABLE audit_log; --"), { trustedHops: 1 })).toBeNull();
  });
});

describe('normalizeIp', () => {
  it('accepts the spellings proxies use and rejects the rest', () => {
    expect(normalizeIp('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(normalizeIp('198.51.100.4:5123')).toBe('198.51.100.4');
    expect(normalizeIp('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeIp('example.com')).toBeNull();
    expect(normalizeIp('')).toBeNull();
  });
});
