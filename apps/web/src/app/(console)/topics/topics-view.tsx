'use client';
// The cluster's topics, the pipeline's first: partitions, replication, in-sync replicas and size
// in offsets; each name opens the topic's partitions and (for operators) its message browser.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { num } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

export function TopicsView() {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.topics.list.queryOptions(), refetchInterval: 10_000 });
  return (
    <>
      <h1>Topics</h1>
      <section className="panel" aria-labelledby="topics-h">
        <h2 id="topics-h">Topics on the cluster</h2>
        <p className="muted">
          Size counts offsets held (log end minus log start), transaction markers included.
          Retention and cleanup policy are not shown: the Kafka client in use cannot read topic
          configs.
        </p>
        {list.isPending ? (
          <Loading what="topics" />
        ) : list.isError ? (
          <ErrorState error={list.error} />
        ) : list.data.length === 0 ? (
          <Empty>No topics.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">
                  Partitions
                </th>
                <th scope="col" className="num">
                  Replication
                </th>
                <th scope="col" className="num">
                  Min in-sync
                </th>
                <th scope="col" className="num">
                  Under-replicated
                </th>
                <th scope="col" className="num">
                  Offsets held
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((t) => (
                <tr key={t.name} data-topic={t.name}>
                  <th scope="row">
                    <Link href={`/topics/${encodeURIComponent(t.name)}`}>{t.name}</Link>
                  </th>
                  <td>{t.pipeline ? 'pipeline' : t.internal ? 'internal' : 'other'}</td>
                  <td className="num">{t.partitions}</td>
                  <td className="num">{t.replication}</td>
                  <td className="num">{t.minIsr}</td>
                  <td className="num">{t.underReplicated}</td>
                  <td className="num">{num(t.offsets)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
