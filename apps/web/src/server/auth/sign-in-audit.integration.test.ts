// Sign-ins through the console's auth handler: each success, failure (with why, never the
// password) and sign-out is an audit row with the client's address, and that address, for the
// audit and the rate limiter alike, follows TRUST_PROXY: X-Forwarded-For is believed only as
// far as the proxies the operator configured.
import { createAuth, createAuthHandler, createUser } from '@sluice/auth';
import { auditLog } from '@sluice/db';
import { gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../env.ts';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const ORIGIN = 'http://127.0.0.1:3999';
const PASSWORD = 'the-right-password';

let h: RouterHarness;
let auth: ReturnType<typeof createAuth>;
beforeAll(async () => {
  h = await createRouterHarness();
  auth = createAuth({
    db: h.db,
    secret: 'sign-in-audit-test-secret-not-used-outside-tests-0123',
    baseURL: ORIGIN,
    trustedOrigins: [ORIGIN],
    sessionTtlSeconds: 3600,
    rateLimit: true,
  });
  for (const email of ['alice@example.test', 'bob@example.test', 'carol@example.test']) {
    await createUser(auth, { email, password: PASSWORD, role: 'viewer' });
  }
});
afterAll(() => h.close());

type Handler = (request: Request) => Promise<Response>;

function post(handler: Handler, path: string, body: unknown, headers: Record<string, string>) {
  return handler(
    new Request(`${ORIGIN}/api/auth/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: ORIGIN,
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body: JSON.stringify(body),
    }),
  );
}

const signIn = (handler: Handler, email: string, password: string, xff?: string) =>
  post(handler, 'sign-in/email', { email, password }, xff ? { 'x-forwarded-for': xff } : {});

async function lastId(): Promise<number> {
  const rows = await h.db.select({ id: auditLog.id }).from(auditLog);
  return Math.max(0, ...rows.map((r) => r.id));
}
const auditSince = (id: number) =>
  h.db.select().from(auditLog).where(gt(auditLog.id, id)).orderBy(auditLog.id);

describe('sign-in audit (one trusted proxy)', () => {
  let handler: Handler;
  beforeAll(() => {
    handler = createAuthHandler(auth, { db: h.db, rule: { trustedHops: 1 } });
  });

  it('records a sign-in and a sign-out with the address the proxy saw', async () => {
    const mark = await lastId();
    // The client forged the first entry; the proxy appended 198.51.100.10.
    const res = await signIn(handler, 'alice@example.test', PASSWORD, '6.6.6.6, 198.51.100.10');
    expect(res.status).toBe(200);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const out = await post(handler, 'sign-out', {}, { cookie, 'x-forwarded-for': '198.51.100.10' });
    expect(out.status).toBe(200);
    expect(await auditSince(mark)).toMatchObject([
      {
        actor: 'alice@example.test',
        action: 'auth.sign-in',
        target: 'alice@example.test',
        sourceIp: '198.51.100.10',
      },
      {
        actor: 'alice@example.test',
        action: 'auth.sign-out',
        target: 'alice@example.test',
        sourceIp: '198.51.100.10',
      },
    ]);
  });

  it('records each failure with its reason, answers them all alike, and keeps no password', async () => {
    const mark = await lastId();
    const wrong = await signIn(handler, 'bob@example.test', 'guess-number-one', '198.51.100.20');
    const unknown = await signIn(
      handler,
      'nobody@example.test',
      'guess-number-two',
      '198.51.100.21',
    );
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toBe(await unknown.text());
    const rows = await auditSince(mark);
    expect(rows).toMatchObject([
      {
        actor: 'anonymous',
        action: 'auth.sign-in.failed',
        target: 'bob@example.test',
        sourceIp: '198.51.100.20',
        details: { reason: 'wrong-password' },
      },
      {
        action: 'auth.sign-in.failed',
        target: 'nobody@example.test',
        sourceIp: '198.51.100.21',
        details: { reason: 'unknown-user' },
      },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/guess-number/);
  });

  it('records rate-limited attempts, one row per address and minute, counting the rest', async () => {
    const mark = await lastId();
    const ip = '198.51.100.30';
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await signIn(handler, 'carol@example.test', `wrong-guess-${i}`, ip)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const limited = (await auditSince(mark)).filter((r) => r.details?.reason === 'rate-limited');
    expect(limited).toMatchObject([
      {
        action: 'auth.sign-in.failed',
        target: 'carol@example.test',
        sourceIp: ip,
        details: { reason: 'rate-limited' },
      },
    ]);
    expect(JSON.stringify(limited)).not.toMatch(/wrong-guess/);
  });
});

describe('no trusted proxy (TRUST_PROXY=0)', () => {
  it('ignores X-Forwarded-For: a client cannot rotate it past the rate limit or into the audit', async () => {
    const handler = createAuthHandler(auth, {
      db: h.db,
      rule: { trustedHops: 0 },
      peerOf: () => '192.0.2.44',
    });
    const mark = await lastId();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      // A new forged address on every attempt, as a password-guessing script would send.
      const res = await signIn(handler, 'bob@example.test', `guess-${i}-xxxxxx`, `203.0.113.${i}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const rows = await auditSince(mark);
    expect(rows.length).toBe(4);
    expect(new Set(rows.map((r) => r.sourceIp))).toEqual(new Set(['192.0.2.44']));
  });

  it('records no address for a client whose address cannot be told', async () => {
    const handler = createAuthHandler(auth, { db: h.db, rule: { trustedHops: 0 } });
    const mark = await lastId();
    const res = await signIn(handler, 'alice@example.test', PASSWORD, '203.0.113.99');
    expect(res.status).toBe(200);
    expect(await auditSince(mark)).toMatchObject([{ action: 'auth.sign-in', sourceIp: null }]);
  });

  it('is the default, and TRUST_PROXY takes a hop count', () => {
    const base = { BETTER_AUTH_SECRET: 's'.repeat(40) };
    expect(parseEnv(base).trustedProxyHops).toBe(0);
    expect(parseEnv({ ...base, TRUST_PROXY: '2' }).trustedProxyHops).toBe(2);
    expect(() => parseEnv({ ...base, TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
    expect(() => parseEnv({ ...base, TRUST_PROXY: '-1' })).toThrow(/TRUST_PROXY/);
  });
});
