// Records per second per pipeline stage over the last complete minute, from the counters the
// stages' workers keep in Redis (layout: @sluice/core realtime-keys.ts). Not from end offsets of
// the topics they write: those count every Kafka transaction's commit marker as a record.
import {
  type PipelineStage,
  STAGE_COUNT_BUCKET_MS,
  STAGE_RATE_WINDOW_MS,
  type StageMetric,
  stageRateBuckets,
  stageRatePerSecond,
} from '@sluice/core';
import type { RealtimeReader } from './realtime-reader.ts';

export interface StageRate {
  stage: PipelineStage['stage'];
  label: string;
  group: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** False when no worker of the stage counted anything in the window: not running. */
  reporting: boolean;
  /** The stage's metrics; null when it is not reporting. */
  perSecond: Partial<Record<StageMetric, number | null>>;
}

export interface StageRates {
  windowS: number;
  /** End of the window the rates are over (ISO time). */
  until: string | null;
  stages: StageRate[];
  /** Every stage's records to the DLQ; null when no stage that sends any is reporting. */
  dlqPerSecond: number | null;
  /** Late records (aggregation); null when it is not reporting. */
  latePerSecond: number | null;
}

export async function readStageRates(
  reader: RealtimeReader,
  stages: readonly PipelineStage[],
  nowMs: number,
): Promise<StageRates> {
  const buckets = stageRateBuckets(nowMs);
  const series = stages.flatMap((s) => s.metrics.map((metric) => ({ stage: s.stage, metric })));
  const counts = await reader.stageCounts(series, buckets);
  const byKey = new Map(series.map((s, i) => [`${s.stage}/${s.metric}`, counts[i] ?? []]));
  return {
    ...stageRatesFrom(stages, (stage, metric) => byKey.get(`${stage}/${metric}`) ?? []),
    until: windowEnd(buckets.at(-1)),
  };
}

/** The rates from each (stage, metric)'s bucket counts. A stage reports when its `in` has a key
 *  in the window (its workers add 0 each second while idle); its other metrics then read as 0
 *  where no key was written. */
export function stageRatesFrom(
  stages: readonly PipelineStage[],
  counts: (stage: string, metric: StageMetric) => readonly (string | null)[],
): Omit<StageRates, 'until'> {
  const rates: StageRate[] = stages.map((s) => {
    const reporting = stageRatePerSecond(counts(s.stage, 'in')) !== null;
    const perSecond: Partial<Record<StageMetric, number | null>> = {};
    for (const m of s.metrics) {
      perSecond[m] = reporting ? (stageRatePerSecond(counts(s.stage, m)) ?? 0) : null;
    }
    return {
      stage: s.stage,
      label: s.label,
      group: s.group,
      inputs: s.inputs,
      outputs: s.outputs,
      reporting,
      perSecond,
    };
  });
  const total = (metric: StageMetric): number | null => {
    const values = rates
      .filter((r) => r.reporting && metric in r.perSecond)
      .map((r) => r.perSecond[metric] ?? 0);
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
  };
  return {
    windowS: STAGE_RATE_WINDOW_MS / 1000,
    stages: rates,
    dlqPerSecond: total('dlq'),
    latePerSecond: total('late'),
  };
}

/** Buckets are named by their UTC start, `YYYY-MM-DDTHH:MM:SS`. */
function windowEnd(lastBucket: string | undefined): string | null {
  if (!lastBucket) return null;
  return new Date(Date.parse(`${lastBucket}Z`) + STAGE_COUNT_BUCKET_MS).toISOString();
}

/** Buckets per point of the history chart: 30 s. */
export const HISTORY_BIN_BUCKETS = 3;

/**
 * The throughput chart's series from the same counters, one point per HISTORY_BIN_BUCKETS
 * buckets (at the bin's end; bins start on the clock's 30 s, so a refresh does not move them):
 * records taken in by each stage, and records sent to the DLQ by all of them. A bin in which no
 * worker of a stage ran (no key, not even the heartbeat) is a gap.
 */
export function stageHistoryFrom(
  stages: readonly PipelineStage[],
  buckets: readonly string[],
  counts: (stage: string, metric: StageMetric) => readonly (string | null)[],
  binBuckets = HISTORY_BIN_BUCKETS,
): Record<string, { t: number; value: number | null }[]> {
  const bins: { t: number; from: number; to: number }[] = [];
  const binMs = binBuckets * STAGE_COUNT_BUCKET_MS;
  let first = 0;
  while (first < buckets.length && Date.parse(`${buckets[first]}Z`) % binMs !== 0) first++;
  for (let from = first; from + binBuckets <= buckets.length; from += binBuckets) {
    const last = buckets[from + binBuckets - 1] as string;
    bins.push({ t: Date.parse(`${last}Z`) + STAGE_COUNT_BUCKET_MS, from, to: from + binBuckets });
  }
  const series: Record<string, { t: number; value: number | null }[]> = {};
  const dlq = bins.map(() => null as number | null);
  for (const s of stages) {
    const inCounts = counts(s.stage, 'in');
    series[s.stage] = bins.map((b) => ({
      t: b.t,
      value: stageRatePerSecond(inCounts.slice(b.from, b.to)),
    }));
    if (!s.metrics.includes('dlq')) continue;
    const dlqCounts = counts(s.stage, 'dlq');
    bins.forEach((b, i) => {
      // The stage ran in this bin: its dlq reads 0 where nothing was dead-lettered.
      if (series[s.stage]?.[i]?.value === null) return;
      dlq[i] = (dlq[i] ?? 0) + (stageRatePerSecond(dlqCounts.slice(b.from, b.to)) ?? 0);
    });
  }
  series.dlq = bins.map((b, i) => ({ t: b.t, value: dlq[i] ?? null }));
  return series;
}
