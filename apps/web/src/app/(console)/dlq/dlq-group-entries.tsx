'use client';
// One signature's entries under the inbox's filters, newest failure first, a page at a time
// (keyset cursor: page 2,000 costs what page 1 does).
import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { type DlqView, type filterOf, hrefOf } from './dlq-params.ts';

const PAGE = 50;

export function DlqGroupEntries({
  view,
  filter,
  signature,
  openId,
}: {
  view: DlqView;
  filter: ReturnType<typeof filterOf>;
  signature: string;
  openId: number | undefined;
}) {
  const trpc = useTRPC();
  const q = useInfiniteQuery(
    trpc.dlq.entries.infiniteQueryOptions(
      { ...filter, signature, limit: PAGE },
      { getNextPageParam: (last) => last.next, refetchInterval: false },
    ),
  );
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <section className="panel" aria-labelledby="dlq-entries-h">
      <h2 id="dlq-entries-h">Entries of the signature</h2>
      {q.isPending ? (
        <Loading what="entries" />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : entries.length === 0 ? (
        <Empty>No entries of this signature match the filters.</Empty>
      ) : (
        <>
          <table>
            <caption className="sr-only">Entries of the signature, newest failure first</caption>
            <thead>
              <tr>
                <th scope="col">Entry</th>
                <th scope="col">Failed at</th>
                <th scope="col">Event</th>
                <th scope="col">Type</th>
                <th scope="col">Source</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Status</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} aria-selected={e.id === openId}>
                  <th scope="row">
                    <Link
                      href={hrefOf(view, { entry: String(e.id) })}
                      aria-current={e.id === openId ? 'true' : undefined}
                    >
                      #{e.id}
                    </Link>
                  </th>
                  <td>{time(e.failedAt)}</td>
                  <td>{e.eventId ?? '—'}</td>
                  <td>{e.eventType ?? '—'}</td>
                  <td>
                    {e.sourceTopic ?? '—'}
                    {e.sourcePartition !== null ? ` [${e.sourcePartition}]` : ''}
                    {e.sourceOffset !== null ? ` @${e.sourceOffset}` : ''}
                  </td>
                  <td className="num">{e.attempts ?? '—'}</td>
                  <td>{e.status}</td>
                  <td className="wrap">{e.errorMessage}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {q.hasNextPage && (
            <button type="button" disabled={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
              {q.isFetchingNextPage ? 'Loading…' : `Show ${PAGE} more`}
            </button>
          )}
        </>
      )}
    </section>
  );
}
