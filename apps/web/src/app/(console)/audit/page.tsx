import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { getSessionUser } from '~/server/session.ts';
import { AuditView } from './audit-view.tsx';

export default async function AuditPage() {
  const user = await getSessionUser(await headers());
  if (!hasRole(user?.role, 'admin')) {
    return (
      <>
        <h1>Audit log</h1>
        <p role="alert">The audit log is for admins only.</p>
      </>
    );
  }
  return <AuditView />;
}
