import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { Suspense } from 'react';
import { Loading } from '~/components/query-state.tsx';
import { getSessionUser } from '~/server/session.ts';
import { DlqJobs } from './dlq-jobs.tsx';

export default async function DlqJobsPage() {
  const user = await getSessionUser(await headers());
  // The open job lives in the URL (?job=N), read on the client. Resume is shown to operators;
  // the server checks the role again.
  return (
    <Suspense fallback={<Loading what="the replay jobs" />}>
      <DlqJobs canAct={hasRole(user?.role, 'operator')} />
    </Suspense>
  );
}
