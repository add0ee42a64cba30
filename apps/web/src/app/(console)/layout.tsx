// Every console page: the authoritative session check (middleware only saw a cookie), then
// the navigation for the user's role and the data provider.
import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Nav } from '~/components/nav.tsx';
import { getSessionUser } from '~/server/session.ts';
import { TRPCReactProvider } from '~/trpc/react.tsx';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await getSessionUser(await headers());
  if (!user) redirect('/sign-in');
  return (
    <div className="shell">
      <Nav email={user.email} role={user.role} isAdmin={hasRole(user.role, 'admin')} />
      <main>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </main>
    </div>
  );
}
