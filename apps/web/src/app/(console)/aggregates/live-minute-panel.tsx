'use client';
// The live minute: what the storage writers have counted in Redis for the open minute and the
// one before it. Both are partial (the window aggregates below are the settled numbers).
import { useQuery } from '@tanstack/react-query';
import { num } from '~/components/format.ts';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

const pct = (r: number | null) =>
  r === null ? '—' : `${(r * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;

export function LiveMinutePanel() {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.aggregates.live.queryOptions({ topPages: 5 }),
    refetchInterval: 5000,
  });
  return (
    <section className="panel" aria-labelledby="live-h">
      <h2 id="live-h">
        Live minute <span className="badge live">live · partial</span>
      </h2>
      <p className="muted">
        From Redis, by event time (UTC). The open minute is still filling and the previous one still
        takes late events; the merged windows below are the settled numbers.
      </p>
      {q.isPending ? (
        <Loading what="live minute" />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : (
        <div className="grid">
          {q.data.minutes.map((m) => (
            <section key={m.minute} aria-label={`Minute ${m.minute} (${m.state})`}>
              <h3>
                {m.minute.slice(11)} UTC{' '}
                <span className="muted">
                  ({m.state === 'open' ? 'open, partial' : 'previous, may still change'})
                </span>
              </h3>
              {m.total === 0 ? (
                <p className="empty">
                  No data yet: no events with an event time in this minute have been stored.
                </p>
              ) : (
                <>
                  <dl className="tiles">
                    <div>
                      <dt className="muted">events</dt>
                      <dd className="metric" style={{ margin: 0 }}>
                        {num(m.total)}
                      </dd>
                    </div>
                    <div>
                      <dt className="muted">active users</dt>
                      <dd className="metric" style={{ margin: 0 }}>
                        {num(m.activeUsers)}
                      </dd>
                    </div>
                    <div>
                      <dt className="muted">error rate</dt>
                      <dd className="metric" style={{ margin: 0 }}>
                        {pct(m.errorRate)}
                      </dd>
                    </div>
                  </dl>
                  <table>
                    <caption className="sr-only">Events by type in minute {m.minute}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Type</th>
                        <th scope="col" className="num">
                          Events
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {m.byType.map((t) => (
                        <tr key={t.type}>
                          <td>{t.type}</td>
                          <td className="num">{num(t.count)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <h4>Top pages</h4>
                  {m.topPages.length === 0 ? (
                    <p className="empty">No pageviews with a URL in this minute.</p>
                  ) : (
                    <ol>
                      {m.topPages.map((p) => (
                        <li key={p.url}>
                          <span className="wrap">{p.url}</span> — {num(p.pageviews)}
                        </li>
                      ))}
                    </ol>
                  )}
                </>
              )}
            </section>
          ))}
        </div>
      )}
    </section>
  );
}
