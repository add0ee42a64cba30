import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { Suspense } from 'react';
import { Loading } from '~/components/query-state.tsx';
import { getSessionUser } from '~/server/session.ts';
import { DlqInbox } from './dlq-inbox.tsx';

export default async function DlqPage() {
  const user = await getSessionUser(await headers());
  // The view lives in the URL's search parameters, read on the client. Replay and discard are
  // shown to operators; the server checks the role again on every action.
  return (
    <Suspense fallback={<Loading what="the dead-letter inbox" />}>
      <DlqInbox canAct={hasRole(user?.role, 'operator')} />
    </Suspense>
  );
}
