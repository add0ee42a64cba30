import { Suspense } from 'react';
import { Loading } from '~/components/query-state.tsx';
import { DlqJobs } from './dlq-jobs.tsx';

export default function DlqJobsPage() {
  // The open job lives in the URL (?job=N), read on the client.
  return (
    <Suspense fallback={<Loading what="the replay jobs" />}>
      <DlqJobs />
    </Suspense>
  );
}
