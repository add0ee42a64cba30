'use client';
// The cluster's topics, the pipeline's first: partitions, replication, in-sync replicas,
// retention, cleanup policy and size; each name opens the topic's partitions and (for operators) its message browser.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { bytes, num, retention } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

export function TopicsView() {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.topics.list.queryOptions(), refetchInterval: 10_000 });
  // The write rate: how far each topic's log end moved between two refreshes.
  const previous = useRef<{ at: number; ends: Map<string, number> } | null>(null);
  const [rates, setRates] = useState<Map<string, number>>(new Map());
  useEffect(() => {
    if (!list.data) return;
    const at = list.dataUpdatedAt;
    const ends = new Map(list.data.map((t) => [t.name, t.end]));
    const prev = previous.current;
    if (prev && at > prev.at) {
      const next = new Map<string, number>();
      for (const [name, end] of ends) {
        const before = prev.ends.get(name);
        if (before !== undefined && end >= before)
          next.set(name, ((end - before) * 1000) / (at - prev.at));
      }
      setRates(next);
    }
    previous.current = { at, ends };
  }, [list.data, list.dataUpdatedAt]);
  return (
    <>
      <h1>Topics</h1>
      <section className="panel" aria-labelledby="topics-h">
        <h2 id="topics-h">Topics on the cluster</h2>
        <p className="muted">
          Offsets held is log end minus log start, transaction markers included; size on disk adds
          up every replica in the brokers' log directories. The write rate is the log end's move
          between two refreshes (every 10 s), so it shows from the second one. "—" is a value the
          brokers did not give.
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
                <th scope="col">Cleanup</th>
                <th scope="col">Retention</th>
                <th scope="col" className="num">
                  Offsets held
                </th>
                <th scope="col" className="num">
                  Size on disk
                </th>
                <th scope="col" className="num">
                  Writes/s
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
                  <td>{t.cleanupPolicy ?? '—'}</td>
                  <td>{retention(t.retentionMs, t.retentionBytes)}</td>
                  <td className="num">{num(t.offsets)}</td>
                  <td className="num">{bytes(t.sizeBytes)}</td>
                  <td className="num">
                    {rates.has(t.name) ? (rates.get(t.name) ?? 0).toFixed(1) : '…'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
