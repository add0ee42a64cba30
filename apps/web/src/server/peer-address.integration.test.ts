// The peer-address stamp on a real HTTP server of this process: the handler sees the socket's
// address under the process's secret header name, whatever X-Forwarded-For or look-alike
// headers the client sent, and the client-address rule with no trusted proxy takes it.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientIpFrom } from '@sluice/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPeerAddressStamp, peerAddressOf, peerHeaderName } from './peer-address.ts';

let seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  res.end('ok');
});
let url = '';
beforeAll(async () => {
  installPeerAddressStamp();
  installPeerAddressStamp(); // twice, as a second bundle would: still one stamp
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('peer address stamp', () => {
  it('stamps the socket address, not what the client claims', async () => {
    seen = [];
    await fetch(url, {
      headers: {
        'x-forwarded-for': '203.0.113.66',
        // A guess at the stamp's name, and the handler's own header: neither is believed.
        'x-sluice-peer': '203.0.113.67',
        'x-sluice-client-ip': '203.0.113.68',
      },
    });
    expect(seen).toHaveLength(1);
    const headers = new Headers(seen[0] as Record<string, string>);
    expect(peerHeaderName()).toMatch(/^x-sluice-peer-[0-9a-f]{24}$/);
    expect(peerAddressOf(headers)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(clientIpFrom(headers, { trustedHops: 0 }, peerAddressOf(headers))).toBe('127.0.0.1');
    // Trusting one proxy (there is none here) would believe the header: that is the setting.
    expect(clientIpFrom(headers, { trustedHops: 1 }, peerAddressOf(headers))).toBe('203.0.113.66');
  });

  it('overwrites a client that sends the secret name itself', async () => {
    seen = [];
    await fetch(url, { headers: { [peerHeaderName()]: '203.0.113.69' } });
    expect(peerAddressOf(new Headers(seen[0] as Record<string, string>))).toMatch(/127\.0\.0\.1$/);
  });
});
