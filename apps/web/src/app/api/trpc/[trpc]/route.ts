import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { env } from '~/env.ts';
import { createContext } from '~/server/context.ts';
import { appRouter } from '~/server/root.ts';

export const dynamic = 'force-dynamic';

// Mutations change state: like Better Auth's own endpoints, refuse a browser request from an
// origin we do not trust (session cookies are SameSite=Lax too; this is the second fence).
function foreignOrigin(req: Request): boolean {
  const origin = req.headers.get('origin');
  return req.method === 'POST' && origin !== null && !env().trustedOrigins.includes(origin);
}

const handler = (req: Request) => {
  if (foreignOrigin(req)) {
    return Response.json({ error: { message: 'Invalid origin' } }, { status: 403 });
  }
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createContext({ headers: req.headers }),
    onError({ error, path }) {
      // Expected outcomes (401, 403, bad input) are answers, not faults.
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        console.error(`tRPC ${path ?? '?'} failed:`, error.cause ?? error);
      }
    },
  });
};

export { handler as GET, handler as POST };
