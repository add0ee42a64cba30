import { Suspense } from 'react';
import { Loading } from '~/components/query-state.tsx';
import { DlqInbox } from './dlq-inbox.tsx';

export default function DlqPage() {
  // The view lives in the URL's search parameters, read on the client.
  return (
    <Suspense fallback={<Loading what="the dead-letter inbox" />}>
      <DlqInbox />
    </Suspense>
  );
}
