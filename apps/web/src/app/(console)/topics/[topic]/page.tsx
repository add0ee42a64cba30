import { hasRole } from '@sluice/auth';
import { headers } from 'next/headers';
import { Suspense } from 'react';
import { Loading } from '~/components/query-state.tsx';
import { getSessionUser } from '~/server/session.ts';
import { TopicView } from './topic-view.tsx';

export default async function TopicPage({ params }: { params: Promise<{ topic: string }> }) {
  const { topic } = await params;
  const user = await getSessionUser(await headers());
  // Browsing records is the operator's; the server checks the role again on every read.
  return (
    <Suspense fallback={<Loading what="the topic" />}>
      <TopicView topic={decodeURIComponent(topic)} canBrowse={hasRole(user?.role, 'operator')} />
    </Suspense>
  );
}
