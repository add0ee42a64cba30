// Runs before every page and API route. Two jobs:
// - the per-request security headers: a Content-Security-Policy with a fresh nonce, set on the
//   request too (Next.js reads the nonce from there and puts it on its scripts), and HSTS when
//   the browser came over HTTPS. The headers that never change come from next.config.ts.
// - a fast first gate: a page request without a session cookie goes to the sign-in form before
//   anything renders. It only sees that a cookie exists; the console layout and every tRPC
//   procedure still validate the session itself. (Cookie names are Better Auth's; `__Secure-`
//   over HTTPS.)
import { type NextRequest, NextResponse } from 'next/server';
import {
  contentSecurityPolicy,
  createNonce,
  STRICT_TRANSPORT_SECURITY,
  servedOverHttps,
} from './server/auth/security-headers.ts';

const SESSION_COOKIES = ['better-auth.session_token', '__Secure-better-auth.session_token'];

/** Paths anyone may reach: the sign-in form and the API (which answers 401 itself). */
const isPublic = (pathname: string) =>
  pathname === '/sign-in' || pathname.startsWith('/sign-in/') || pathname.startsWith('/api/');

// Next inlines NODE_ENV at build time; the validated env (env.ts) cannot load in this runtime.
// biome-ignore lint/style/noProcessEnv: the build mode, fixed at build time
const DEV = process.env.NODE_ENV === 'development';

export function middleware(request: NextRequest) {
  const https = servedOverHttps(request.nextUrl.protocol, request.headers.get('x-forwarded-proto'));
  const csp = contentSecurityPolicy({ nonce: createNonce(), dev: DEV, https });

  let response: NextResponse;
  if (isPublic(request.nextUrl.pathname) || SESSION_COOKIES.some((n) => request.cookies.has(n))) {
    const headers = new Headers(request.headers);
    headers.set('content-security-policy', csp);
    response = NextResponse.next({ request: { headers } });
  } else {
    const url = new URL('/sign-in', request.url);
    url.searchParams.set('next', request.nextUrl.pathname);
    response = NextResponse.redirect(url);
  }
  response.headers.set('Content-Security-Policy', csp);
  if (https) response.headers.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
  return response;
}

export const config = {
  // Everything but build assets (immutable files that carry no policy of their own).
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
