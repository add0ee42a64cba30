// The console's HTTP entry to Better Auth: the one place that decides the client's address
// (client-ip.ts) and hands it to Better Auth in CLIENT_IP_HEADER, replacing whatever a client
// sent under that name, so that the rate limiter and the sign-in audit count the same address.
// It also audits sign-ins the rate limiter refused (Better Auth answers those before any hook
// runs), at most one row per address and minute, with the number held back since.
import type { Database } from '@sluice/db';
import type { Auth } from './auth.ts';
import { CLIENT_IP_HEADER, type ClientIpRule, clientIpFrom } from './client-ip.ts';
import { SIGN_IN_FAILED, UNKNOWN_CLIENT_IP, writeAuthAudit } from './sign-in-audit.ts';

export interface AuthHandlerOptions {
  db: Database;
  rule: ClientIpRule;
  /** The TCP peer's address of a request, where the server can tell it. */
  peerOf?: (request: Request) => string | null;
  now?: () => number;
}

const MAX_TRACKED = 10_000;
const MAX_BODY = 4096;

export function createAuthHandler(auth: Auth, options: AuthHandlerOptions) {
  const now = options.now ?? Date.now;
  const limitedSince = new Map<string, { start: number; heldBack: number }>();

  /** Whether to write this address's rate-limit row now, and how many were held back. */
  function admit(ip: string): number | null {
    const t = now();
    const w = limitedSince.get(ip);
    if (w && t - w.start < 60_000) {
      w.heldBack++;
      return null;
    }
    if (!w && limitedSince.size >= MAX_TRACKED) limitedSince.clear();
    limitedSince.set(ip, { start: t, heldBack: 0 });
    return w?.heldBack ?? 0;
  }

  async function auditRateLimited(request: Request, ip: string | null): Promise<void> {
    const heldBack = admit(ip ?? UNKNOWN_CLIENT_IP);
    if (heldBack === null) return;
    let email = '';
    try {
      const text = (await request.text()).slice(0, MAX_BODY);
      const body = request.headers.get('content-type')?.includes('json')
        ? (JSON.parse(text) as { email?: unknown })
        : Object.fromEntries(new URLSearchParams(text));
      if (typeof body.email === 'string') email = body.email.trim().slice(0, 320);
    } catch {
      // A body that does not parse still gets its row, without an email.
    }
    await writeAuthAudit(options.db, {
      actor: 'anonymous',
      action: SIGN_IN_FAILED,
      target: email,
      sourceIp: ip,
      details: { reason: 'rate-limited', ...(heldBack > 0 ? { heldBackBefore: heldBack } : {}) },
    });
  }

  return async function handle(request: Request): Promise<Response> {
    const ip = clientIpFrom(request.headers, options.rule, options.peerOf?.(request) ?? null);
    const headers = new Headers(request.headers);
    headers.set(CLIENT_IP_HEADER, ip ?? UNKNOWN_CLIENT_IP);
    const isSignIn =
      request.method === 'POST' && new URL(request.url).pathname.endsWith('/sign-in/email');
    const forAuth = new Request(request, { headers });
    const copy = isSignIn ? forAuth.clone() : null;
    const response = await auth.handler(forAuth);
    if (copy && response.status === 429) await auditRateLimited(copy, ip);
    return response;
  };
}
