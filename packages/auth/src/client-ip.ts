// Which address a request comes from, for the audit trail and the sign-in rate limit alike.
// X-Forwarded-For is only as honest as whoever wrote it: any client may send one. So it is read
// only as far as the operator says there are proxies of their own in front of the console
// (TRUST_PROXY hops): with n trusted hops the client is the n-th address from the right, the one
// the outermost trusted proxy saw; what lies further left was written by the client and is
// ignored. With no trusted hop the header is ignored entirely and the address is the TCP peer's,
// when the server could tell it (see the console's peer-address stamp), else unknown.
import { isIP } from 'node:net';

/** The header the console's auth handler sets (after removing any a client sent) and reads. */
export const CLIENT_IP_HEADER = 'x-sluice-client-ip';

export interface ClientIpRule {
  /** How many proxies of the operator's own sit in front of the console (0: none). */
  trustedHops: number;
}

const MAX_ENTRIES = 100;

/** A valid IPv4 or IPv6 address in its usual spelling, or null. */
export function normalizeIp(value: string | null | undefined): string | null {
  if (!value) return null;
  let ip = value.trim();
  // "[::1]:port" and "1.2.3.4:port" as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1]) ip = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(':'));
  if (ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
  return isIP(ip) === 0 ? null : ip.toLowerCase();
}

/**
 * The client's address under `rule`: `peer` (the TCP peer, if known) with no trusted hop, else
 * the entry of X-Forwarded-For that the outermost trusted proxy appended.
 */
export function clientIpFrom(
  headers: Headers,
  rule: ClientIpRule,
  peer: string | null = null,
): string | null {
  if (rule.trustedHops <= 0) return normalizeIp(peer);
  // Several X-Forwarded-For headers arrive joined by ", " in the Fetch API's Headers.
  const entries = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .slice(-MAX_ENTRIES)
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return normalizeIp(peer);
  // Fewer entries than trusted hops: the request skipped a proxy; the furthest one is all we know.
  const index = Math.max(0, entries.length - rule.trustedHops);
  return normalizeIp(entries[index]);
}
