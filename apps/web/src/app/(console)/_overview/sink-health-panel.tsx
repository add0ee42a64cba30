'use client';
// Sink health as each storage writer reports it. A writer that stopped refreshing its entry is
// shown as stale: its last word ("up") is no longer evidence of anything.
import { useQuery } from '@tanstack/react-query';
import { num, time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

const STATE_TEXT = {
  up: 'up',
  down: 'down',
  stale: 'stale (writer gone)',
  unreadable: 'unreadable entry',
} as const;

export function SinkHealthPanel() {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.overview.sinks.queryOptions(), refetchInterval: 5000 });
  return (
    <section className="panel" aria-labelledby="sinks-h">
      <h2 id="sinks-h">Sink health</h2>
      {q.isPending ? (
        <Loading what="sink health" />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : q.data.sinks.length === 0 ? (
        <Empty>No data yet: no storage writer has reported its sinks (none running?).</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Sink</th>
              <th scope="col">Writer</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Pending
              </th>
              <th scope="col">Last success</th>
              <th scope="col">Last error</th>
              <th scope="col" className="num" title="The routing rules version the writer runs">
                Routing
              </th>
            </tr>
          </thead>
          <tbody>
            {q.data.sinks.map((s) => (
              <tr key={s.key}>
                <td>{s.sink}</td>
                <td>{s.workerId}</td>
                <td className={`state-${s.state}`}>{STATE_TEXT[s.state]}</td>
                <td className="num">{num(s.pending)}</td>
                <td>{s.lastOkAt ? time(s.lastOkAt) : 'never'}</td>
                <td className="wrap">
                  {s.lastError
                    ? `${s.lastError}${s.lastErrorAt ? ` (${time(s.lastErrorAt)})` : ''}`
                    : 'none'}
                </td>
                <td className="num">{s.routingVersion === null ? '—' : `v${s.routingVersion}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
