'use client';
// Events per minute over the last hour, as the storage writers count them in Redis (by event
// time). The current minute is still filling.
import { useQuery } from '@tanstack/react-query';
import { num } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { TimeChart } from '~/components/time-chart.tsx';
import { useTRPC } from '~/trpc/react.tsx';

export function EventsPerMinute() {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.overview.eventsPerMinute.queryOptions({ minutes: 60 }),
    refetchInterval: 15_000,
  });
  const stored = q.data?.points.filter((p) => p.events !== null) ?? [];
  const last = stored.at(-1);
  return (
    <section className="panel" aria-labelledby="epm-h">
      <h2 id="epm-h">Events per minute, last hour (Redis)</h2>
      {q.isPending ? (
        <Loading what="events per minute" />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : stored.length === 0 ? (
        <Empty>No data yet: the storage writers have counted no events in the last hour.</Empty>
      ) : (
        <TimeChart
          label="Events and errors per minute over the last hour"
          rows={q.data.points}
          series={[
            { key: 'events', label: 'events' },
            { key: 'errors', label: 'errors + exceptions' },
          ]}
          caption={`Latest minute with events: ${num(last?.events)} events, ${num(last?.errors)} errors (the current minute is partial). Gaps are minutes with nothing stored.`}
        />
      )}
    </section>
  );
}
