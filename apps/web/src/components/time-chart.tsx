'use client';
// A line chart over time for the console's panels. A missing or null value is drawn as a gap
// (connectNulls off), never as a zero. Screen readers get the chart's name and a table of the
// latest points instead of the drawing.
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
import { clock, num } from './format.ts';

export interface ChartSeries {
  key: string;
  label: string;
}

const COLORS = ['#0b5cad', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490'];
const TABLE_POINTS = 12;

export function TimeChart({
  label,
  rows,
  series,
  height = 220,
  format = num,
  caption,
}: {
  label: string;
  rows: Record<string, number | null>[];
  series: ChartSeries[];
  height?: number;
  format?: (v: number | null) => string;
  caption?: string;
}) {
  const latest = rows.slice(-TABLE_POINTS);
  return (
    <figure className="chart" aria-label={label}>
      <div aria-hidden="true">
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 5, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              tickFormatter={clock}
            />
            <YAxis tickFormatter={(v) => format(Number(v))} width={64} />
            <Tooltip
              labelFormatter={(v) => clock(Number(v))}
              formatter={(v) => format(v === null || v === undefined ? null : Number(v))}
            />
            {series.length > 1 ? <Legend /> : null}
            {series.map((s, i) => (
              <Line
                key={s.key}
                dataKey={s.key}
                name={s.label}
                stroke={COLORS[i % COLORS.length]}
                dot={rows.length < 3}
                connectNulls={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      {caption ? <figcaption>{caption}</figcaption> : null}
      <table className="sr-only">
        <caption>
          {label}: the latest {latest.length} points
        </caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            {series.map((s) => (
              <th key={s.key} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {latest.map((r) => (
            <tr key={r.t}>
              <th scope="row">{clock(Number(r.t))}</th>
              {series.map((s) => (
                <td key={s.key}>{r[s.key] === undefined ? 'no data' : format(r[s.key] ?? null)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
