'use client';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { num, time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { TimeChart } from '~/components/time-chart.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { LiveMinutePanel } from './live-minute-panel.tsx';

const RANGES = [
  { label: 'Last hour', ms: 3600_000 },
  { label: 'Last 6 hours', ms: 6 * 3600_000 },
  { label: 'Last 24 hours', ms: 24 * 3600_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
];
type SizeOption = { name: string; ms: number; maxRangeMs: number };
/** A relative standard error as the console writes it: 0.0081 → '0.8 %'. */
const pct = (relative: number) => `${(relative * 100).toFixed(1)} %`;

/** The configured window sizes (AGG_WINDOWS) come from the server; then the view. */
export function AggregatesView() {
  const trpc = useTRPC();
  const sizes = useQuery(trpc.aggregates.sizes.queryOptions());
  if (sizes.isPending) return <Loading what="window sizes" />;
  if (sizes.isError) return <ErrorState error={sizes.error} />;
  return <AggregatesForSizes sizes={sizes.data} />;
}

function AggregatesForSizes({ sizes }: { sizes: SizeOption[] }) {
  const trpc = useTRPC();
  const [sizeName, setSizeName] = useState(sizes[0]?.name ?? '');
  const [rangeMs, setRangeMs] = useState(3600_000);
  const [type, setType] = useState('');
  const current = sizes.find((s) => s.name === sizeName) ?? sizes[0];
  const size = current?.name ?? '';
  // Each size may be asked for over at most so long a range (the server enforces the same).
  const effectiveMs = Math.min(rangeMs, current?.maxRangeMs ?? rangeMs);
  // Rounded to the minute so each poll asks for the same key until the minute turns.
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  const q = useQuery({
    ...trpc.aggregates.windows.queryOptions({
      size,
      from: new Date(to - effectiveMs).toISOString(),
      to: new Date(to).toISOString(),
      ...(type ? { types: [type] } : {}),
    }),
    enabled: current !== undefined,
  });

  // Chart rows per window start: counts and merged unique users by type, late counts summed.
  // A type without a row in a window has no key there, which the chart draws as a gap.
  const charts = useMemo(() => {
    const counts = new Map<number, Record<string, number | null>>();
    const users = new Map<number, Record<string, number | null>>();
    const late = new Map<number, Record<string, number | null>>();
    for (const w of q.data?.windows ?? []) {
      const t = Date.parse(w.windowStart);
      const c = counts.get(t) ?? { t };
      c[w.type] = w.count;
      counts.set(t, c);
      if (w.uniqueUsers !== null) {
        const u = users.get(t) ?? { t };
        u[w.type] = w.uniqueUsers;
        users.set(t, u);
      }
      const l = late.get(t) ?? { t, accepted: 0, dropped: 0 };
      l.accepted = (l.accepted ?? 0) + w.lateAccepted;
      l.dropped = (l.dropped ?? 0) + w.lateDropped;
      late.set(t, l);
    }
    // A window with no row at all (nothing closed then: workers down, no traffic) gets an empty
    // row, so the lines break there instead of joining its neighbours.
    const step = current?.ms ?? 60_000;
    const sorted = (m: Map<number, Record<string, number | null>>) => {
      const rows = [...m.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
      const out: Record<string, number | null>[] = [];
      for (const r of rows) {
        const prev = out.at(-1)?.t;
        if (prev != null) for (let t = prev + step; t < (r.t ?? 0); t += step) out.push({ t });
        out.push(r);
      }
      return out;
    };
    return { counts: sorted(counts), users: sorted(users), late: sorted(late) };
  }, [q.data, current?.ms]);
  const se = q.data ? pct(q.data.uniqueUsersStandardError) : '';

  return (
    <>
      <h1>Window aggregates</h1>
      <form
        className="inline panel"
        aria-label="Aggregate filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Window size
          <select value={size} onChange={(e) => setSizeName(e.target.value)}>
            {sizes.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time range
          <select value={rangeMs} onChange={(e) => setRangeMs(Number(e.target.value))}>
            {RANGES.map((r) => (
              <option key={r.ms} value={r.ms} disabled={r.ms > (current?.maxRangeMs ?? r.ms)}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All types</option>
            {(q.data?.types ?? [])
              .concat(type && !q.data?.types.includes(type) ? [type] : [])
              .map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
          </select>
        </label>
      </form>
      <LiveMinutePanel />
      <section className="panel" aria-labelledby="agg-h">
        <h2 id="agg-h">Events per {size} window, merged across partitions</h2>
        {q.isPending ? (
          <Loading what="aggregates" />
        ) : q.isError ? (
          <ErrorState error={q.error} />
        ) : q.data.windows.length === 0 ? (
          <Empty>No data yet: no closed {size} windows in this range.</Empty>
        ) : (
          <>
            <TimeChart
              label={`Event count per ${size} window by type`}
              rows={charts.counts}
              series={q.data.types.map((t) => ({ key: t, label: t }))}
            />
            <div className="grid-2">
              <div>
                <h3>Unique users (merged)</h3>
                {charts.users.length === 0 ? (
                  <Empty>No data yet: no window in this range has a readable sketch.</Empty>
                ) : (
                  <TimeChart
                    label={`Unique users per ${size} window by type, merged across partitions`}
                    rows={charts.users}
                    series={q.data.types.map((t) => ({ key: t, label: t }))}
                    height={180}
                  />
                )}
              </div>
              <div>
                <h3>Late events</h3>
                <TimeChart
                  label={`Late events accepted and dropped per ${size} window`}
                  rows={charts.late}
                  series={[
                    { key: 'accepted', label: 'late accepted' },
                    { key: 'dropped', label: 'late dropped' },
                  ]}
                  height={180}
                />
              </div>
            </div>
            <table>
              <caption className="muted" style={{ textAlign: 'left', paddingBottom: '0.5rem' }}>
                Unique users: the union of the source partitions' HyperLogLog sketches, exact up to{' '}
                {num(q.data.uniqueUsersExactUpTo)} users, beyond that an estimate shown with its
                standard error (± {se}); merged for the newest {q.data.mergedWindows} windows ("—"
                for older ones: narrow the range to see them).
              </caption>
              <thead>
                <tr>
                  <th scope="col">Window start</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="num">
                    Count
                  </th>
                  <th scope="col" className="num">
                    Unique users
                  </th>
                  <th scope="col" className="num">
                    Late accepted
                  </th>
                  <th scope="col" className="num">
                    Late dropped
                  </th>
                  <th scope="col" className="num">
                    Partitions
                  </th>
                </tr>
              </thead>
              <tbody>
                {q.data.windows
                  .slice(-200)
                  .reverse()
                  .map((w) => (
                    <tr key={`${w.windowStart}/${w.type}`}>
                      <td>{time(w.windowStart)}</td>
                      <td>{w.type}</td>
                      <td className="num">{num(w.count)}</td>
                      <td className="num">
                        {num(w.uniqueUsers)}
                        {w.uniqueUsersMode === 'estimate' && w.uniqueUsersStandardError !== null
                          ? ` ± ${pct(w.uniqueUsersStandardError)}`
                          : ''}
                      </td>
                      <td className="num">{num(w.lateAccepted)}</td>
                      <td className="num">{num(w.lateDropped)}</td>
                      <td className="num">{w.partitions}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </>
  );
}
