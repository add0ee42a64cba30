// The console's security headers. A console that replays and resets offsets must not run
// injected script or be framed by another site, so every page carries a Content-Security-Policy
// with a fresh nonce (Next.js reads it from the request's CSP header and puts it on its own
// scripts; 'strict-dynamic' lets those load their chunks). The static headers go on every
// response from next.config.ts; the CSP and HSTS are per request, from the middleware. Pure: the
// middleware passes in the nonce, the build mode and the request's scheme.

export interface PolicyOptions {
  nonce: string;
  /** `next dev`: React's refresh and debugging use eval; a production build must not. */
  dev: boolean;
  /** Served over HTTPS: plain-http subresources are upgraded instead of loaded. */
  https: boolean;
}

export function contentSecurityPolicy({ nonce, dev, https }: PolicyOptions): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    // With 'strict-dynamic', 'self' is ignored by browsers that know it: only the nonce'd
    // scripts and what they load run; 'self' stays for older browsers.
    [
      'script-src',
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(dev ? ["'unsafe-eval'"] : []),
    ],
    ['style-src', "'self'", `'nonce-${nonce}'`],
    ['img-src', "'self'", 'blob:', 'data:'],
    ['font-src', "'self'"],
    // Same-origin fetches only (tRPC, auth); in dev also the refresh socket, which 'self' covers.
    ['connect-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
    ...(https ? [['upgrade-insecure-requests'] as [string]] : []),
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/** A nonce of 128 random bits, base64: what CSP and Next's nonce parser expect. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Whether the browser reached us over HTTPS: the URL's scheme, or the first hop's
 * X-Forwarded-Proto when a TLS-terminating proxy is in front. A client that forges the header
 * over plain http only earns an HSTS header that browsers ignore on insecure responses.
 */
export function servedOverHttps(protocol: string, forwardedProto: string | null): boolean {
  if (protocol === 'https:') return true;
  return forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** One year; not includeSubDomains or preload: the console does not own its parent domain. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

/**
 * Headers every response carries, whatever it is (page, API, static asset). Referrer-Policy is
 * same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on form POSTs,
 * which the CSRF checks (ours and Better Auth's) must refuse.
 */
export const STATIC_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  {
    key: 'Permissions-Policy',
    value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];
