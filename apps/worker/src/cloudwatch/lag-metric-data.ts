// The lag report as CloudWatch metric data: per (group, topic) MaxOffsetLag, SumOffsetLag,
// EstimatedMaxTimeLag and NoCommitPartitions, and per pipeline topic (names under the pipeline's
// prefix) the records added since the last poll. Split into requests within PutMetricData's
// limits (AWS API reference, PutMetricData: "Each request is also limited to no more than 1000
// different metrics", and 1 MB per HTTP POST request), so any number of groups can be published.
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import {
  type LagMetricName,
  type LagReport,
  summariseByGroupTopic,
  type TopicNames,
} from '@sluice/core';

export const MAX_DATUMS_PER_REQUEST = 1000;
/** Budget for the metric data of one request, measured as their JSON: below the 1 MB limit by
 *  the room the request's envelope (namespace, protocol framing) needs. */
export const MAX_DATA_BYTES_PER_REQUEST = 900_000;

/** The pipeline topics whose throughput is published, and under which metric name. */
export function stageMetrics(
  topics: Pick<TopicNames, 'raw' | 'enriched' | 'dlq' | 'late'>,
): Map<string, LagMetricName> {
  return new Map<string, LagMetricName>([
    [topics.raw, 'RawRecords'],
    [topics.enriched, 'EnrichedRecords'],
    [topics.dlq, 'DlqRecords'],
    [topics.late, 'LateRecords'],
  ]);
}

export function lagMetricData(
  report: LagReport,
  stages: ReadonlyMap<string, LagMetricName>,
): MetricDatum[] {
  const at = new Date(report.atMs);
  const data: MetricDatum[] = [];
  const partitions = report.groups.flatMap((g) => g.partitions);
  for (const s of summariseByGroupTopic(partitions)) {
    const Dimensions = [
      { Name: 'ConsumerGroup', Value: s.group },
      { Name: 'Topic', Value: s.topic },
    ];
    const count = (MetricName: LagMetricName, Value: number): MetricDatum => ({
      MetricName,
      Dimensions,
      Timestamp: at,
      Value,
      Unit: 'Count',
    });
    // Max and sum include the lag of partitions without a commit (from their log start);
    // NoCommitPartitions says how many there are, 0 included: that count is known, not missing.
    data.push(
      count('MaxOffsetLag', s.maxOffsetLag),
      count('SumOffsetLag', s.sumOffsetLag),
      count('NoCommitPartitions', s.noCommitPartitions),
    );
    // Unknown time lag is left out rather than sent as 0: a gap is honest, a zero is a lie that
    // would keep an SLA alarm green. Alarms on it treat missing data deliberately.
    if (s.maxTimeLagS !== null) {
      data.push({
        MetricName: 'EstimatedMaxTimeLag',
        Dimensions,
        Timestamp: at,
        Value: s.maxTimeLagS,
        Unit: 'Seconds',
      });
    }
  }
  for (const t of report.topics) {
    const name = stages.get(t.topic);
    if (!name || t.recordsSinceLast === null) continue;
    data.push({ MetricName: name, Timestamp: at, Value: t.recordsSinceLast, Unit: 'Count' });
  }
  return data;
}

export function chunk<T>(items: readonly T[], size = MAX_DATUMS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Metric data in requests of at most `maxDatums` data and `maxBytes` of their JSON each. */
export function metricDataRequests(
  data: readonly MetricDatum[],
  maxDatums = MAX_DATUMS_PER_REQUEST,
  maxBytes = MAX_DATA_BYTES_PER_REQUEST,
): MetricDatum[][] {
  const out: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const d of data) {
    // +1 for the comma between array elements.
    const size = Buffer.byteLength(JSON.stringify(d)) + 1;
    if (current.length > 0 && (current.length >= maxDatums || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
