import { Suspense } from 'react';
import { Loading } from '~/components/query-state.tsx';
import { TraceView } from './trace-view.tsx';

export default function TracePage() {
  return (
    <Suspense fallback={<Loading what="the event trace" />}>
      <TraceView />
    </Suspense>
  );
}
