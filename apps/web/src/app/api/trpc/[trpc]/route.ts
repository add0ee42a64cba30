import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createContext } from '~/server/context.ts';
import { appRouter } from '~/server/root.ts';

export const dynamic = 'force-dynamic';

// Mutations must come from the console's own origin: the procedures check that themselves
// (server/trpc.ts), so a forged or missing Origin is refused with 403 and audited.
const handler = (req: Request) =>
  fetchRequestHandler({
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

export { handler as GET, handler as POST };
