// A fast first gate: a request without a session cookie goes to the sign-in form before any
// page renders. It only sees that a cookie exists; the console layout and every tRPC procedure
// still validate the session itself. (Cookie names are Better Auth's; `__Secure-` over HTTPS.)
import { type NextRequest, NextResponse } from 'next/server';

const SESSION_COOKIES = ['better-auth.session_token', '__Secure-better-auth.session_token'];

export function middleware(request: NextRequest) {
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) return NextResponse.next();
  const url = new URL('/sign-in', request.url);
  url.searchParams.set('next', request.nextUrl.pathname);
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ['/((?!api/|_next/|sign-in|favicon.ico).*)'],
};
