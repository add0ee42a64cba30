'use client';
// The dead-letter inbox: filters, the entries grouped by error signature, the open group's
// entries and the open entry. Everything that selects lives in the URL.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { num, time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { DlqEntryDetail } from './dlq-entry-detail.tsx';
import { DlqFilters } from './dlq-filters.tsx';
import { DlqGroupEntries } from './dlq-group-entries.tsx';
import { entryIdOf, filterOf, hrefOf, readView, signatureOf } from './dlq-params.ts';

export function DlqInbox({ canAct = false }: { canAct?: boolean }) {
  const view = readView(useSearchParams());
  const filter = filterOf(view);
  const sig = signatureOf(view);
  const entryId = entryIdOf(view);
  const trpc = useTRPC();
  const groups = useQuery(trpc.dlq.groups.queryOptions(filter));
  return (
    <>
      <h1>Dead-letter queue</h1>
      <p>
        <a href="/dlq/jobs">Replay jobs</a>
      </p>
      <section className="panel" aria-labelledby="dlq-filter-h">
        <h2 id="dlq-filter-h">Filters</h2>
        {/* Keyed by the URL: a link or Back shows that view's values, not stale ones. */}
        <DlqFilters key={hrefOf(view, { sig: undefined, entry: undefined })} view={view} />
      </section>
      <section className="panel" aria-labelledby="dlq-groups-h">
        <h2 id="dlq-groups-h">Error signatures</h2>
        {groups.isPending ? (
          <Loading what="error signatures" />
        ) : groups.isError ? (
          <ErrorState error={groups.error} />
        ) : groups.data.length === 0 ? (
          <Empty>No dead-lettered events match.</Empty>
        ) : (
          <table>
            <caption className="sr-only">
              Dead-lettered events grouped by error signature, most recently failing first
            </caption>
            <thead>
              <tr>
                <th scope="col">Signature</th>
                <th scope="col">Stage</th>
                <th scope="col">Error class</th>
                <th scope="col" className="num">
                  Entries
                </th>
                <th scope="col" className="num">
                  New
                </th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Sample</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={g.signature} aria-selected={g.signature === sig}>
                  <th scope="row" className="wrap">
                    <Link
                      href={hrefOf(view, { sig: g.signature, entry: undefined })}
                      aria-current={g.signature === sig ? 'true' : undefined}
                    >
                      {g.signatureText}
                    </Link>
                  </th>
                  <td>{g.stage}</td>
                  <td>{g.errorClass}</td>
                  <td className="num">{num(g.count)}</td>
                  <td className="num">{num(g.byStatus.new)}</td>
                  <td>{time(g.firstFailedAt)}</td>
                  <td>{time(g.lastFailedAt)}</td>
                  <td className="wrap">
                    {g.sample.message}
                    {g.sample.eventType ? ` (${g.sample.eventType})` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {sig && <DlqGroupEntries view={view} filter={filter} signature={sig} openId={entryId} />}
      {entryId !== undefined && <DlqEntryDetail id={entryId} canAct={canAct} />}
    </>
  );
}
