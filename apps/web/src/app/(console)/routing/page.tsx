import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { getSessionUser } from '~/server/session.ts';
import { RoutingView } from './routing-view.tsx';

export default async function RoutingPage() {
  const user = await getSessionUser(await headers());
  // Publish and rollback are shown to admins; the server checks the role on every change.
  return <RoutingView canPublish={hasRole(user?.role, 'admin')} />;
}
