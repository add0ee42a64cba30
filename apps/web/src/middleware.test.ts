import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { middleware } from './middleware.ts';

const SESSION = 'better-auth.session_token=abc';

function run(path: string, headers: Record<string, string> = {}, base = 'http://127.0.0.1:3000') {
  return middleware(new NextRequest(new URL(path, base), { headers }));
}

const nonceOf = (policy: string | null) => policy?.match(/'nonce-([^']+)'/)?.[1];

describe('middleware', () => {
  it('sends a CSP with a fresh nonce on every page, and hands the same policy to Next', () => {
    const a = run('/groups', { cookie: SESSION });
    const b = run('/groups', { cookie: SESSION });
    const policy = a.headers.get('content-security-policy');
    expect(policy).toMatch(/frame-ancestors 'none'/);
    expect(nonceOf(policy)).toBeTruthy();
    expect(nonceOf(policy)).not.toBe(nonceOf(b.headers.get('content-security-policy')));
    // NextResponse.next({ request: { headers } }) carries the request's new headers like this.
    expect(a.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
    expect(a.headers.get('x-middleware-next')).toBe('1');
  });

  it('replaces a CSP the client sent itself, so it cannot choose the nonce', () => {
    const res = run('/sign-in', { 'content-security-policy': "script-src 'nonce-chosen'" });
    const forwarded = res.headers.get('x-middleware-request-content-security-policy');
    expect(forwarded).not.toContain('chosen');
    expect(forwarded).toBe(res.headers.get('content-security-policy'));
  });

  it('sends the sign-in form and the API through without a session, with the policy', () => {
    for (const path of ['/sign-in', '/api/trpc/overview.summary', '/api/auth/sign-in/email']) {
      const res = run(path);
      expect(res.headers.get('x-middleware-next')).toBe('1');
      expect(res.headers.get('content-security-policy')).toMatch(/'strict-dynamic'/);
    }
  });

  it('redirects a page request without a session cookie to the sign-in form', () => {
    const res = run('/groups');
    expect(res.status).toBe(307);
    expect(new URL(res.headers.get('location') ?? '').pathname).toBe('/sign-in');
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('next')).toBe('/groups');
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('sends HSTS only when the request came over https', () => {
    expect(run('/sign-in').headers.get('strict-transport-security')).toBeNull();
    expect(
      run('/sign-in', { 'x-forwarded-proto': 'https' }).headers.get('strict-transport-security'),
    ).toBe('max-age=31536000');
    expect(
      run('/sign-in', {}, 'https://console.example').headers.get('strict-transport-security'),
    ).toBe('max-age=31536000');
    expect(
      run('/sign-in', { 'x-forwarded-proto': 'https' }).headers.get('content-security-policy'),
    ).toMatch(/upgrade-insecure-requests/);
  });

  it("omits 'unsafe-eval' outside `next dev` (vitest runs with NODE_ENV=test)", () => {
    expect(run('/sign-in').headers.get('content-security-policy')).not.toContain('unsafe-eval');
  });
});
