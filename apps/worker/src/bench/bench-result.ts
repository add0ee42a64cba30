// One row of `sluice bench`'s results, as `--json` prints it (an array of these) and as the
// table shows it. Built from what a stage measured; pure, so the shape is tested.
import type { LatencySummary } from './percentiles.ts';

/** What a stage measured over its timed window. */
export interface Measurement {
  stage: string;
  /** Events handled in the window. */
  events: number;
  seconds: number;
  /** CPU ms used in the window, per worker process (role → ms). */
  cpuMs: Record<string, number>;
  /** Peak RSS (VmHWM) per worker process, MB. */
  peakRssMb: Record<string, number>;
  /**
   * RSS (VmRSS) per worker process when the window closed, MB: after catching up, what its state
   * holds (the peak also holds the catch-up's batches in flight).
   */
  endRssMb?: Record<string, number>;
  /** CPU ms of the broker process in the window, where it runs on this machine. */
  brokerCpuMs?: number | undefined;
  /** Where events/s comes from: committed offsets of a group, or a consumer's own count. */
  measuredBy: string;
  /** Latency stage: the target rate and the latencies seen. */
  latency?: { rate: number; overall: LatencySummary; stores: Record<string, LatencySummary> };
  /** Counts read back from the stores (how many each holds), where a stage checks them. */
  stored?: Record<string, number>;
  note?: string;
  /** The load average when the window closed (else when the row is made). */
  loadAvg?: [number, number, number];
}

export interface BenchResult {
  stage: string;
  events_per_sec: number;
  /** Worker processes together. */
  cpu_ms_per_1k_events: number;
  /** The largest worker process. */
  peak_rss_mb: number;
  events: number;
  seconds: number;
  measured_by: string;
  /** The broker process (shared with anything else using it), or null when not local. */
  broker_cpu_ms_per_1k_events: number | null;
  processes: {
    role: string;
    cpu_ms_per_1k_events: number;
    peak_rss_mb: number;
    /** RSS when the window closed (after catching up); absent where not read. */
    end_rss_mb?: number;
  }[];
  load_avg: [number, number, number];
  rate?: number;
  p50_ms?: number | null;
  p99_ms?: number | null;
  max_ms?: number | null;
  latency_samples?: number;
  stores?: Record<string, LatencySummary>;
  stored?: Record<string, number>;
  note?: string;
}

/** A stage that could not finish (a worker died, a timeout): the run goes on to the next. */
export interface BenchFailure {
  stage: string;
  error: string;
  load_avg: [number, number, number];
}

export type BenchRow = BenchResult | BenchFailure;

export const isFailure = (r: BenchRow): r is BenchFailure => 'error' in r;

const round = (v: number, digits: number) => Number(v.toFixed(digits));
const per1k = (ms: number, events: number) => (events > 0 ? round((ms * 1000) / events, 1) : 0);

export function benchResult(m: Measurement, loadAvg: [number, number, number]): BenchResult {
  const roles = Object.keys(m.cpuMs);
  const totalCpu = roles.reduce((s, r) => s + (m.cpuMs[r] ?? 0), 0);
  const rss = Object.values(m.peakRssMb);
  const row: BenchResult = {
    stage: m.stage,
    events_per_sec: m.seconds > 0 ? Math.round(m.events / m.seconds) : 0,
    cpu_ms_per_1k_events: per1k(totalCpu, m.events),
    peak_rss_mb: rss.length > 0 ? round(Math.max(...rss), 1) : 0,
    events: m.events,
    seconds: round(m.seconds, 2),
    measured_by: m.measuredBy,
    broker_cpu_ms_per_1k_events:
      m.brokerCpuMs === undefined ? null : per1k(m.brokerCpuMs, m.events),
    processes: roles.map((role) => ({
      role,
      cpu_ms_per_1k_events: per1k(m.cpuMs[role] ?? 0, m.events),
      peak_rss_mb: round(m.peakRssMb[role] ?? 0, 1),
      ...(m.endRssMb?.[role] !== undefined ? { end_rss_mb: round(m.endRssMb[role], 1) } : {}),
    })),
    load_avg: m.loadAvg ?? loadAvg,
  };
  if (m.latency) {
    row.rate = m.latency.rate;
    row.p50_ms = m.latency.overall.p50_ms;
    row.p99_ms = m.latency.overall.p99_ms;
    row.max_ms = m.latency.overall.max_ms;
    row.latency_samples = m.latency.overall.samples;
    row.stores = m.latency.stores;
  }
  if (m.stored) row.stored = m.stored;
  if (m.note) row.note = m.note;
  return row;
}

/** The results as a table for people; latency rows show p50/p99 beside the rate. */
export function formatResults(all: readonly BenchRow[]): string {
  const rows = all.filter((r): r is BenchResult => !isFailure(r));
  const head = ['stage', 'events/s', 'CPU ms/1k', 'broker ms/1k', 'peak RSS MB', 'events', 's'];
  const lines = rows.map((r) => [
    r.stage,
    r.events_per_sec.toLocaleString('en-US'),
    String(r.cpu_ms_per_1k_events),
    r.broker_cpu_ms_per_1k_events === null ? '-' : String(r.broker_cpu_ms_per_1k_events),
    String(r.peak_rss_mb),
    r.events.toLocaleString('en-US'),
    r.seconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const out = [fmt(head), ...lines.map(fmt)];
  for (const r of rows) {
    if (r.p50_ms !== undefined)
      out.push(
        `${r.stage}: produce → queryable at ${r.rate} events/s: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms (${r.latency_samples} sampled events${storesLine(r)})`,
      );
    if (r.stored && Object.keys(r.stored).length > 0)
      out.push(
        `${r.stage}: stores hold ${Object.entries(r.stored)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    if (r.note) out.push(`${r.stage}: ${r.note}`);
  }
  for (const r of all)
    if (isFailure(r))
      out.push(`${r.stage}: FAILED: ${r.error.split('\n').slice(0, 6).join('\n  ')}`);
  return `${out.join('\n')}\n`;
}

function storesLine(r: BenchResult): string {
  if (!r.stores) return '';
  const parts = Object.entries(r.stores).map(
    ([s, l]) => `${s}: p50 ${l.p50_ms} ms, p99 ${l.p99_ms} ms, n=${l.samples}`,
  );
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}
