// The TCP peer's address of each request, for the client-address rule when no proxy is trusted
// (TRUST_PROXY=0). A route handler sees headers only, and Next.js fills X-Forwarded-For with the
// peer only when the client sent none, so the peer is lost exactly when a client lies. The
// server process therefore stamps it on every request before Next.js reads it, under a header
// name drawn at random per process: a client cannot know the name, so cannot forge the stamp.
// Installed from instrumentation.ts; the name lives on globalThis because Next.js bundles that
// file and the route handlers separately.
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

const NAME = Symbol.for('sluice.peerAddressHeader');
const INSTALLED = Symbol.for('sluice.peerAddressStamp');

type Holder = { [NAME]?: string };

/** This process's secret header name for the peer's address. */
export function peerHeaderName(): string {
  const g = globalThis as Holder;
  g[NAME] ??= `x-sluice-peer-${randomBytes(12).toString('hex')}`;
  return g[NAME];
}

/** The peer's address as the server stamped it, or null (not stamped: not known). */
export function peerAddressOf(headers: Headers): string | null {
  return headers.get(peerHeaderName());
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

/** Stamps every request an HTTP(S) server of this process receives. Idempotent. */
export function installPeerAddressStamp(): void {
  const name = peerHeaderName();
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as (Record<
    symbol,
    unknown
  > & { emit: Emit })[]) {
    if (proto[INSTALLED]) continue;
    const emit = proto.emit;
    proto.emit = function stampPeer(this: unknown, event, ...args) {
      if (event === 'request') {
        const req = args[0] as IncomingMessage;
        req.headers[name] = req.socket?.remoteAddress ?? '';
      }
      return emit.call(this, event, ...args);
    };
    proto[INSTALLED] = true;
  }
}
