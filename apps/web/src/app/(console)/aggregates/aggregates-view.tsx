'use client';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { clock, num, time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

const SIZES = ['1m', '5m', '1h'] as const;
const RANGES = [
  { label: 'Last hour', ms: 3600_000 },
  { label: 'Last 6 hours', ms: 6 * 3600_000 },
  { label: 'Last 24 hours', ms: 24 * 3600_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
];
const COLORS = ['#0b5cad', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490'];
// 1m windows may be asked for at most a day at a time (the server enforces the same limit).
const MAX_1M_MS = 24 * 3600_000;

export function AggregatesView() {
  const trpc = useTRPC();
  const [size, setSize] = useState<(typeof SIZES)[number]>('1m');
  const [rangeMs, setRangeMs] = useState(3600_000);
  const [type, setType] = useState('');
  const effectiveMs = size === '1m' ? Math.min(rangeMs, MAX_1M_MS) : rangeMs;
  // Rounded to the minute so each poll asks for the same key until the minute turns.
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  const q = useQuery(
    trpc.aggregates.windows.queryOptions({
      size,
      from: new Date(to - effectiveMs).toISOString(),
      to: new Date(to).toISOString(),
      ...(type ? { types: [type] } : {}),
    }),
  );

  const chart = useMemo(() => {
    const byWindow = new Map<number, Record<string, number>>();
    for (const w of q.data?.windows ?? []) {
      const t = Date.parse(w.windowStart);
      const row = byWindow.get(t) ?? { t };
      row[w.type] = w.count;
      byWindow.set(t, row);
    }
    return [...byWindow.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  }, [q.data]);

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
          <select value={size} onChange={(e) => setSize(e.target.value as (typeof SIZES)[number])}>
            {SIZES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time range
          <select value={rangeMs} onChange={(e) => setRangeMs(Number(e.target.value))}>
            {RANGES.map((r) => (
              <option key={r.ms} value={r.ms} disabled={size === '1m' && r.ms > MAX_1M_MS}>
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
      <section className="panel" aria-labelledby="live-h">
        <h2 id="live-h">Live minute</h2>
        <Empty>No data yet: no process publishes the current minute to Redis yet.</Empty>
      </section>
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
            <figure aria-label={`Event count per ${size} window by type`} style={{ margin: 0 }}>
              <ResponsiveContainer width="100%" height={260}>
                <LineChart data={chart}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis
                    dataKey="t"
                    type="number"
                    domain={['dataMin', 'dataMax']}
                    tickFormatter={clock}
                  />
                  <YAxis />
                  <Tooltip labelFormatter={(v) => clock(Number(v))} />
                  <Legend />
                  {q.data.types.map((t, i) => (
                    <Line
                      key={t}
                      dataKey={t}
                      stroke={COLORS[i % COLORS.length]}
                      dot={false}
                      connectNulls={false}
                      isAnimationActive={false}
                    />
                  ))}
                </LineChart>
              </ResponsiveContainer>
            </figure>
            <table>
              <caption className="muted" style={{ textAlign: 'left', paddingBottom: '0.5rem' }}>
                Unique users: the largest single-partition estimate, a lower bound (users seen in
                several partitions cannot be summed).
              </caption>
              <thead>
                <tr>
                  <th scope="col">Window start</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="num">
                    Count
                  </th>
                  <th scope="col" className="num">
                    Unique users (≥)
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
                      <td className="num">{num(w.uniqueUsers)}</td>
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
