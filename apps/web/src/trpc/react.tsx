'use client';
// Client-side tRPC + TanStack Query. Data refreshes every 5 s; a 401 (the session expired or
// was revoked) sends the browser back to the sign-in form.
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { type ReactNode, useState } from 'react';
import type { AppRouter } from '~/server/root.ts';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export const POLL_MS = 5000;

function isUnauthorized(err: unknown): boolean {
  return err instanceof TRPCClientError && err.data?.httpStatus === 401;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({
          onError(err) {
            if (isUnauthorized(err)) window.location.assign('/sign-in');
          },
        }),
        defaultOptions: {
          queries: {
            refetchInterval: POLL_MS,
            staleTime: 2000,
            // Access errors do not heal by retrying.
            retry: (n, err) =>
              !(err instanceof TRPCClientError && err.data?.httpStatus < 500) && n < 2,
          },
        },
      }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
