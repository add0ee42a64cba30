// The lag report as CloudWatch metric data: per (group, topic) MaxOffsetLag, SumOffsetLag and
// EstimatedMaxTimeLag, and per pipeline topic the records added since the last poll. Batched to
// PutMetricData's limit of 1000 metric data per request (AWS API reference, PutMetricData:
// "Each request is also limited to no more than 1000 different metrics", and 1 MB per request).
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { type LagMetricName, type LagReport, summariseByGroupTopic } from '@sluice/core';

export const MAX_DATUMS_PER_REQUEST = 1000;

/** Pipeline topics whose throughput is published, and under which metric name. */
export const STAGE_METRICS: Record<string, LagMetricName> = {
  'events.raw': 'RawRecords',
  'events.enriched': 'EnrichedRecords',
  'events.dlq': 'DlqRecords',
  'events.late': 'LateRecords',
};

export function lagMetricData(report: LagReport): MetricDatum[] {
  const at = new Date(report.atMs);
  const data: MetricDatum[] = [];
  const partitions = report.groups.flatMap((g) => g.partitions);
  for (const s of summariseByGroupTopic(partitions)) {
    const Dimensions = [
      { Name: 'ConsumerGroup', Value: s.group },
      { Name: 'Topic', Value: s.topic },
    ];
    data.push(
      {
        MetricName: 'MaxOffsetLag',
        Dimensions,
        Timestamp: at,
        Value: s.maxOffsetLag,
        Unit: 'Count',
      },
      {
        MetricName: 'SumOffsetLag',
        Dimensions,
        Timestamp: at,
        Value: s.sumOffsetLag,
        Unit: 'Count',
      },
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
    const name = STAGE_METRICS[t.topic];
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
