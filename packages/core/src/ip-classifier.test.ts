import { describe, expect, it } from 'vitest';
import { classifyIp } from './ip-classifier.ts';

describe('classifyIp', () => {
  it.each([
    ['81.2.69.160', 4],
    ['8.8.8.8', 4],
    ['2a02:1234::1', 6],
    ['2001:4860:4860::8888', 6],
  ])('treats %s as public', (ip, family) => {
    expect(classifyIp(ip)).toEqual({ kind: 'public', address: ip, family });
  });

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '127.0.0.1',
    '169.254.1.1',
    '::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
  ])('treats %s as private', (ip) => {
    expect(classifyIp(ip).kind).toBe('private');
  });

  it.each([
    '0.0.0.0',
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '240.0.0.1',
    '::',
    '2001:db8::1',
    '3fff::1',
    'ff02::1',
    '64:ff9b::808:808',
  ])('treats %s as reserved', (ip) => {
    expect(classifyIp(ip).kind).toBe('reserved');
  });

  it.each(['', 'not-an-ip', '256.1.1.1', '1.2.3', '1.2.3.4.5', '2001:::1', '1.2.3.4/24'])(
    'treats %j as invalid',
    (ip) => {
      expect(classifyIp(ip)).toEqual({ kind: 'invalid' });
    },
  );

  it('edges of private ranges stay public', () => {
    expect(classifyIp('172.32.0.1').kind).toBe('public');
    expect(classifyIp('11.0.0.1').kind).toBe('public');
  });

  it('unwraps IPv4-mapped IPv6 addresses', () => {
    expect(classifyIp('::ffff:81.2.69.160')).toEqual({
      kind: 'public',
      address: '81.2.69.160',
      family: 4,
    });
    expect(classifyIp('::ffff:10.0.0.1').kind).toBe('private');
  });

  it('trims surrounding whitespace', () => {
    expect(classifyIp(' 81.2.69.160 ')).toMatchObject({ kind: 'public', address: '81.2.69.160' });
  });
});
