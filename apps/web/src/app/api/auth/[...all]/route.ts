// Better Auth's endpoints (sign-in, sign-out, session). Sign-up is disabled in its config. The
// handler decides the client's address (TRUST_PROXY) for the rate limiter and the sign-in audit.
import { getAuthHandler } from '~/server/services.ts';

export const dynamic = 'force-dynamic';

export const GET = (req: Request) => getAuthHandler()(req);
export const POST = (req: Request) => getAuthHandler()(req);
