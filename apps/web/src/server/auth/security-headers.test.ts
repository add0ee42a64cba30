import { describe, expect, it } from 'vitest';
import nextConfig from '../../../next.config.ts';
import {
  contentSecurityPolicy,
  createNonce,
  STATIC_SECURITY_HEADERS,
  servedOverHttps,
} from './security-headers.ts';

const directives = (policy: string) =>
  new Map(
    policy.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name as string, values];
    }),
  );

describe('contentSecurityPolicy', () => {
  const production = directives(contentSecurityPolicy({ nonce: 'abc=', dev: false, https: false }));

  it('lets only nonce-carrying scripts, and what they load, run in production', () => {
    expect(production.get('script-src')).toEqual(["'self'", "'nonce-abc='", "'strict-dynamic'"]);
    const scripts = (production.get('script-src') ?? []).join(' ');
    expect(scripts).not.toContain('unsafe-inline');
    expect(scripts).not.toContain('unsafe-eval');
  });

  it('forbids framing, plugins, foreign base URLs and foreign form targets', () => {
    expect(production.get('frame-ancestors')).toEqual(["'none'"]);
    expect(production.get('object-src')).toEqual(["'none'"]);
    expect(production.get('base-uri')).toEqual(["'none'"]);
    expect(production.get('form-action')).toEqual(["'self'"]);
    expect(production.get('default-src')).toEqual(["'self'"]);
    expect(production.get('connect-src')).toEqual(["'self'"]);
  });

  it('needs the nonce for <style> elements too', () => {
    expect(production.get('style-src')).toEqual(["'self'", "'nonce-abc='"]);
  });

  it("adds 'unsafe-eval' only in development, where React refresh needs it", () => {
    const dev = directives(contentSecurityPolicy({ nonce: 'abc=', dev: true, https: false }));
    expect(dev.get('script-src')).toContain("'unsafe-eval'");
  });

  it('upgrades insecure subresource requests only when served over https', () => {
    expect(production.has('upgrade-insecure-requests')).toBe(false);
    const https = directives(contentSecurityPolicy({ nonce: 'abc=', dev: false, https: true }));
    expect(https.has('upgrade-insecure-requests')).toBe(true);
  });
});

describe('createNonce', () => {
  it('is 128 random bits in base64, new every time', () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(atob(n)).toHaveLength(16);
  });

  it("is one Next.js reads back from the policy (its parser's alphabet)", () => {
    for (let i = 0; i < 100; i++) expect(createNonce()).toMatch(/^[A-Za-z0-9+/_-]+={0,2}$/);
  });
});

describe('servedOverHttps', () => {
  it("trusts the URL's scheme or the first proxy hop's X-Forwarded-Proto", () => {
    expect(servedOverHttps('https:', null)).toBe(true);
    expect(servedOverHttps('http:', 'https')).toBe(true);
    expect(servedOverHttps('http:', 'HTTPS, http')).toBe(true);
    expect(servedOverHttps('http:', 'http, https')).toBe(false);
    expect(servedOverHttps('http:', null)).toBe(false);
    expect(servedOverHttps('http:', '')).toBe(false);
  });
});

describe('next.config headers', () => {
  it('sends the static security headers on every path', async () => {
    const rules = (await nextConfig.headers?.()) ?? [];
    expect(rules).toEqual([{ source: '/:path*', headers: [...STATIC_SECURITY_HEADERS] }]);
    const byName = new Map(STATIC_SECURITY_HEADERS.map((h) => [h.key, h.value]));
    expect(byName.get('X-Frame-Options')).toBe('DENY');
    expect(byName.get('X-Content-Type-Options')).toBe('nosniff');
    expect(byName.get('Referrer-Policy')).toBe('same-origin');
    expect(byName.get('Permissions-Policy')).toMatch(/camera=\(\)/);
  });
});
