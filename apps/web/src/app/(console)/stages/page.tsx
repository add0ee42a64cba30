import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { getSessionUser } from '~/server/session.ts';
import { StagesView } from './stages-view.tsx';

export default async function StagesPage() {
  const user = await getSessionUser(await headers());
  // The controls shown follow the role; the server checks it again on every change.
  return (
    <StagesView canPause={hasRole(user?.role, 'operator')} canStop={hasRole(user?.role, 'admin')} />
  );
}
