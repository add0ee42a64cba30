'use client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { num, time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

export function AuditView() {
  const trpc = useTRPC();
  const [actor, setActor] = useState('');
  const q = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: 50, ...(actor ? { actor } : {}) },
      { getNextPageParam: (last) => last.nextCursor },
    ),
  );
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <h1>Audit log</h1>
      <form
        className="inline panel"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          setActor(String(new FormData(e.currentTarget).get('actor') ?? '').trim());
        }}
      >
        <label>
          Actor (email)
          <input name="actor" type="search" defaultValue={actor} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <section className="panel" aria-labelledby="audit-h">
        <h2 id="audit-h">Entries, newest first</h2>
        {q.isPending ? (
          <Loading what="audit log" />
        ) : q.isError ? (
          <ErrorState error={q.error} />
        ) : items.length === 0 ? (
          <Empty>No audit entries yet.</Empty>
        ) : (
          <>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col" className="num">
                    Affected
                  </th>
                  <th scope="col">Source IP</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td>{time(e.at)}</td>
                    <td>{e.actor}</td>
                    <td>{e.action}</td>
                    <td>{e.target ?? '—'}</td>
                    <td className="num">{num(e.affected)}</td>
                    <td>{e.sourceIp ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {q.hasNextPage && (
              <button
                type="button"
                onClick={() => q.fetchNextPage()}
                disabled={q.isFetchingNextPage}
              >
                Load older entries
              </button>
            )}
          </>
        )}
      </section>
    </>
  );
}
