// Classifies a client IP before any Geo-IP lookup. Addresses that no Geo-IP database can place
// (private, loopback, documentation, multicast, ...) are answered here, without a lookup.
//
// `private` means "belongs to a local network or host": RFC 1918, shared CGNAT space, link-local,
// loopback and IPv6 unique-local. Seeing one usually means the collector recorded a proxy address
// instead of the client's. `reserved` is every other special-purpose range (RFC 6890 and
// successors): unspecified, documentation, benchmarking, multicast, future use, and the like.
import { BlockList, isIP } from 'node:net';

export type IpClass =
  | { readonly kind: 'public'; readonly address: string; readonly family: 4 | 6 }
  | { readonly kind: 'private' | 'reserved'; readonly address: string; readonly family: 4 | 6 }
  | { readonly kind: 'invalid' };

type Range = readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6'];

const PRIVATE_RANGES: readonly Range[] = [
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
];

const RESERVED_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:2::', 48, 'ipv6'],
  ['2001:10::', 28, 'ipv6'],
  ['2001:20::', 28, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['3fff::', 20, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

function blockList(ranges: readonly Range[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const privateList = blockList(PRIVATE_RANGES);
const reservedList = blockList(RESERVED_RANGES);

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export function classifyIp(input: string): IpClass {
  let address = input.trim();
  let family = isIP(address);
  if (family === 0) return { kind: 'invalid' };
  if (family === 6) {
    // A zone id (`fe80::1%eth0`) only has meaning on the host that saw it.
    const zone = address.indexOf('%');
    if (zone !== -1) address = address.slice(0, zone);
    // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; classify and look up the IPv4
    // address so one client is one cache entry and one database record.
    const mapped = MAPPED_IPV4.exec(address);
    if (mapped?.[1] !== undefined) {
      address = mapped[1];
      family = 4;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const fam = family === 4 ? 4 : 6;
  if (privateList.check(address, type)) return { kind: 'private', address, family: fam };
  if (reservedList.check(address, type)) return { kind: 'reserved', address, family: fam };
  return { kind: 'public', address, family: fam };
}
