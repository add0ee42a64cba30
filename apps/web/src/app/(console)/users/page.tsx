import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { getSessionUser } from '~/server/session.ts';
import { UsersView } from './users-view.tsx';

export default async function UsersPage() {
  const user = await getSessionUser(await headers());
  if (!hasRole(user?.role, 'admin')) {
    return (
      <>
        <h1>Users</h1>
        <p role="alert">User management is for admins only.</p>
      </>
    );
  }
  return <UsersView />;
}
