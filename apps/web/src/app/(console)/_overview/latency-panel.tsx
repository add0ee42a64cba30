'use client';
// End-to-end latency (append to events.raw → committed by every sink), from the storage
// writers' per-minute bucket counts. Quantiles are bucket upper bounds, hence "≤".
import { useQuery } from '@tanstack/react-query';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { TimeChart } from '~/components/time-chart.tsx';
import { useTRPC } from '~/trpc/react.tsx';

const MINUTES = 15;

export function ms(v: number | null): string {
  if (v === null) return '—';
  return v >= 1000
    ? `${(v / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`
    : `${Math.round(v)} ms`;
}

/** A quantile's bucket bound; null means above the last bucket. */
const bound = (v: number | null) => (v === null ? '> 5 min' : `≤ ${ms(v)}`);

export function LatencyPanel() {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.overview.latency.queryOptions({ minutes: MINUTES }),
    refetchInterval: 15_000,
  });
  return (
    <section className="panel" aria-labelledby="latency-h">
      <h2 id="latency-h">End-to-end latency, last {MINUTES} min</h2>
      {q.isPending ? (
        <Loading what="latency" />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : q.data.summary.count === 0 ? (
        <Empty>
          No data yet: the storage writers committed no events in the last {MINUTES} minutes.
        </Empty>
      ) : (
        <>
          <dl className="tiles">
            {(
              [
                ['p50', bound(q.data.summary.p50Ms)],
                ['p95', bound(q.data.summary.p95Ms)],
                ['p99', bound(q.data.summary.p99Ms)],
                ['mean', ms(q.data.summary.meanMs)],
                ['events', q.data.summary.count.toLocaleString('en-US')],
              ] as const
            ).map(([k, v]) => (
              <div key={k}>
                <dt className="muted">{k}</dt>
                <dd className="metric" style={{ margin: 0 }}>
                  {v}
                </dd>
              </div>
            ))}
          </dl>
          <TimeChart
            label={`End-to-end latency per minute over the last ${MINUTES} minutes`}
            rows={q.data.points}
            series={[
              { key: 'p50Ms', label: 'p50 (bucket bound)' },
              { key: 'p99Ms', label: 'p99 (bucket bound)' },
              { key: 'meanMs', label: 'mean' },
            ]}
            format={ms}
            height={160}
          />
        </>
      )}
    </section>
  );
}
