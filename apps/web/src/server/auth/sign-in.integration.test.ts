// Sign-in as the console configures Better Auth (packages/auth): the per-IP rate limit answers
// 429 after 3 attempts in 10 s, and its own CSRF checks refuse a sign-in or sign-out that
// another site sends. The console's env turns the limit on unless told otherwise. Requests go
// through the console's auth handler, trusting one proxy (TRUST_PROXY=1): X-Forwarded-For's
// last entry is the address.
import { createAuth, createAuthHandler, createUser } from '@sluice/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../env.ts';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const ORIGIN = 'http://127.0.0.1:3999';
const USER = {
  email: 'signin@example.test',
  password: 'the-right-password',
  role: 'viewer',
} as const;

let h: RouterHarness;
let auth: ReturnType<typeof createAuth>;
let handler: (request: Request) => Promise<Response>;
beforeAll(async () => {
  h = await createRouterHarness();
  auth = createAuth({
    db: h.db,
    secret: 'sign-in-test-secret-not-used-outside-tests-0123456789',
    baseURL: ORIGIN,
    trustedOrigins: [ORIGIN],
    sessionTtlSeconds: 3600,
    rateLimit: true,
  });
  handler = createAuthHandler(auth, { db: h.db, rule: { trustedHops: 1 } });
  await createUser(auth, USER);
});
afterAll(() => h.close());

let ipSeq = 0;
/** Each test signs in from an address of its own: the limiter's counts are per address. */
const freshIp = () => `198.51.100.${++ipSeq}`;

/** A sign-in as the console's form sends it (fetch from our own page), from `ip`. */
function signIn(
  ip: string,
  password: string,
  headers: Record<string, string> = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
) {
  return handler(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...headers },
      body: JSON.stringify({ email: USER.email, password }),
    }),
  );
}

describe('sign-in rate limit', () => {
  it('answers 429 after 3 wrong passwords, even to the right one, from that address only', async () => {
    const ip = freshIp();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await signIn(ip, 'a-wrong-password')).status);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await signIn(ip, USER.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('x-retry-after'))).toBeGreaterThan(0);
    // Another address is not held back by this one's failures.
    expect((await signIn(freshIp(), USER.password)).status).toBe(200);
  });

  it('is on in the console unless AUTH_RATE_LIMIT=off', () => {
    const base = { BETTER_AUTH_SECRET: 's'.repeat(40) };
    expect(parseEnv(base).authRateLimit).toBe(true);
    expect(
      parseEnv({ ...base, NODE_ENV: 'production', BETTER_AUTH_URL: ORIGIN }).authRateLimit,
    ).toBe(true);
    expect(parseEnv({ ...base, AUTH_RATE_LIMIT: 'off' }).authRateLimit).toBe(false);
  });
});

describe('sign-in and sign-out from another site', () => {
  it('refuses a sign-in that another site posts, with or without a form', async () => {
    const attempts: Record<string, string>[] = [
      // A cross-site <form method=post> (login CSRF: signing the victim into our account).
      {
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
      },
      // fetch() from another site.
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      // A sandboxed frame.
      { origin: 'null', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
    ];
    for (const headers of attempts) {
      const res = await signIn(freshIp(), USER.password, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // The control: the same request from our own page signs in.
    const ok = await signIn(freshIp(), USER.password);
    expect(ok.status).toBe(200);
    expect(ok.headers.getSetCookie().some((c) => c.startsWith('better-auth.session_token='))).toBe(
      true,
    );
  });

  it('refuses a sign-out that another site posts with the session cookie', async () => {
    const signedIn = await signIn(freshIp(), USER.password);
    const cookie = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const signOut = (origin: string) =>
      handler(
        new Request(`${ORIGIN}/api/auth/sign-out`, {
          method: 'POST',
          headers: { cookie, origin, 'content-type': 'application/json' },
          body: '{}',
        }),
      );
    expect((await signOut('http://evil.example')).status).toBe(403);
    expect(await auth.api.getSession({ headers: new Headers({ cookie }) })).not.toBeNull();
    expect((await signOut(ORIGIN)).status).toBe(200);
    expect(await auth.api.getSession({ headers: new Headers({ cookie }) })).toBeNull();
  });
});
