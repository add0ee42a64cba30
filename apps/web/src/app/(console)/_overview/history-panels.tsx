'use client';
// The overview's history charts from the lag monitor's samples: events per second into each
// pipeline topic and offset lag per consumer group, over the last hour. The monitor polls every
// few seconds; the charts refresh every 30 s.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { num } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { TimeChart } from '~/components/time-chart.tsx';
import { useTRPC } from '~/trpc/react.tsx';

const TOPIC_LABELS: Record<string, string> = {
  'events.raw': 'ingest (events.raw)',
  'events.enriched': 'enrichment (events.enriched)',
  aggregates: 'aggregation (aggregates)',
  'events.dlq': 'DLQ (events.dlq)',
};

const perSecond = (v: number | null) => (v === null ? '—' : `${num(v)} /s`);

export function HistoryPanels() {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.overview.history.queryOptions({ minutes: 60 }),
    refetchInterval: 30_000,
  });
  const body = (render: (d: NonNullable<typeof q.data>) => ReactNode) =>
    q.isPending ? (
      <Loading what="lag monitor history" />
    ) : q.isError ? (
      <ErrorState error={q.error} />
    ) : (
      render(q.data)
    );
  return (
    <>
      <section className="panel" aria-labelledby="stage-history-h">
        <h2 id="stage-history-h">Throughput per stage, last hour</h2>
        {body((d) =>
          d.throughput.rows.length === 0 ? (
            <Empty>
              No data yet: the lag monitor has written fewer than two samples of the pipeline topics
              in the last hour (is `sluice lag --watch` running?).
            </Empty>
          ) : (
            <TimeChart
              label="Events per second into each pipeline topic over the last hour"
              rows={d.throughput.rows}
              series={d.throughput.series.map((t) => ({ key: t, label: TOPIC_LABELS[t] ?? t }))}
              format={perSecond}
              caption={
                d.throughput.unsampled.length > 0
                  ? `Not sampled by the lag monitor (no consumer group reads them): ${d.throughput.unsampled.join(', ')}. Gaps are times without samples.`
                  : 'Gaps are times without samples.'
              }
            />
          ),
        )}
      </section>
      <section className="panel" aria-labelledby="lag-history-h">
        <h2 id="lag-history-h">Offset lag per group, last hour</h2>
        {body((d) =>
          d.lag.rows.length === 0 ? (
            <Empty>No data yet: the lag monitor has written no samples in the last hour.</Empty>
          ) : (
            <TimeChart
              label="Offset lag per consumer group over the last hour"
              rows={d.lag.rows}
              series={d.lag.series.map((g) => ({ key: g, label: g }))}
              caption="Gaps are times without samples, or with a partition whose lag is unknown."
            />
          ),
        )}
      </section>
    </>
  );
}
