'use client';
// The overview's history charts over the last hour: records per second per stage (the stages'
// counters, with ingest from the lag monitor's samples of events.raw) and offset lag per consumer
// group (the monitor's samples). The charts refresh every 30 s.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { num } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { TimeChart } from '~/components/time-chart.tsx';
import { useTRPC } from '~/trpc/react.tsx';

type Series = { key: string; kind: 'ingest' | 'stage' | 'dlq'; label?: string };

const seriesLabel = (s: Series) =>
  s.kind === 'ingest'
    ? `ingest (${s.key})`
    : s.kind === 'dlq'
      ? 'to the DLQ (all stages)'
      : `${s.label ?? s.key} (records in)`;

/** True when some row has a value: a chart of gaps only is no data. */
const hasValues = (rows: readonly Record<string, number | null>[]) =>
  rows.some((r) => Object.entries(r).some(([k, v]) => k !== 't' && v !== null));

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
          !hasValues(d.throughput.rows) ? (
            <Empty>
              No data yet: no stage has counted records in the last hour, and the lag monitor has
              written fewer than two samples of the ingest topic
              {d.throughput.countsError
                ? ` (stage counters unreadable: ${d.throughput.countsError})`
                : ''}
              .
            </Empty>
          ) : (
            <TimeChart
              label="Records per second per pipeline stage over the last hour"
              rows={d.throughput.rows}
              series={d.throughput.series.map((s) => ({ key: s.key, label: seriesLabel(s) }))}
              format={perSecond}
              caption={[
                'Stages: records taken in, from their own counters (30 s points). Gaps are times when no worker of a stage ran.',
                d.throughput.unsampled.length > 0
                  ? `Ingest not sampled by the lag monitor: ${d.throughput.unsampled.join(', ')}.`
                  : '',
                d.throughput.countsError
                  ? `Stage counters unreadable: ${d.throughput.countsError}.`
                  : '',
              ]
                .filter(Boolean)
                .join(' ')}
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
