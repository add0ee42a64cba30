// Prometheus view of the lag monitor, served by the health server's /metrics.
import type { LagReport, LagStatus } from '@sluice/core';
import { STATUS_SEVERITY } from '@sluice/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface LagGauges {
  update(report: LagReport): void;
  pollDuration: Histogram;
  pollErrors: Counter<'stage'>;
  cloudwatchFailures: Counter;
  cloudwatchDatums: Counter;
}

const statusHelp = Object.entries(STATUS_SEVERITY)
  .map(([s, n]) => `${n}=${s}`)
  .join(', ');

export function createLagGauges(registry: Registry): LagGauges {
  const labels = ['group', 'topic', 'partition'] as const;
  const offsetLag = new Gauge({
    name: 'sluice_consumer_offset_lag',
    help: 'Last stable offset minus committed offset (minus the log start offset when no commit)',
    labelNames: labels,
    registers: [registry],
  });
  // A gauge of its own rather than a label on the lag: a label would start a new series the
  // moment the first commit arrives.
  const noCommit = new Gauge({
    name: 'sluice_consumer_no_commit',
    help: '1 when the group consumes the partition but has committed nothing on it, else 0',
    labelNames: labels,
    registers: [registry],
  });
  const timeLag = new Gauge({
    name: 'sluice_consumer_time_lag_seconds',
    help: 'Age of the oldest unconsumed record, interpolated; absent when unknown',
    labelNames: [...labels, 'estimated'],
    registers: [registry],
  });
  const status = new Gauge({
    name: 'sluice_consumer_status',
    help: `Partition status (${statusHelp})`,
    labelNames: labels,
    registers: [registry],
  });
  const groupStatus = new Gauge({
    name: 'sluice_consumer_group_status',
    help: `Group status, its worst partition (${statusHelp})`,
    labelNames: ['group'],
    registers: [registry],
  });
  const groupMembers = new Gauge({
    name: 'sluice_consumer_group_members',
    help: 'Members of the consumer group',
    labelNames: ['group'],
    registers: [registry],
  });
  const drain = new Gauge({
    name: 'sluice_consumer_time_to_drain_seconds',
    help: 'Lag / (consume rate - produce rate); +Inf when not draining; absent when unknown',
    labelNames: labels,
    registers: [registry],
  });
  const topicEnd = new Gauge({
    name: 'sluice_topic_end_offset',
    help: 'Sum of the last stable offsets of the topic (rate() of it is the produce rate)',
    labelNames: ['topic'],
    registers: [registry],
  });
  const topicRate = new Gauge({
    name: 'sluice_topic_records_per_second',
    help: 'Offsets added per second between the last two polls (raw, enriched, dlq, late...)',
    labelNames: ['topic'],
    registers: [registry],
  });
  const gauges = [
    offsetLag,
    noCommit,
    timeLag,
    status,
    groupStatus,
    groupMembers,
    drain,
    topicEnd,
    topicRate,
  ];

  return {
    update(report) {
      // Reset first so groups and partitions that went away stop being exported. Nothing awaits
      // between reset and set, so a scrape never sees the gap.
      for (const g of gauges) g.reset();
      for (const g of report.groups) {
        groupStatus.set({ group: g.group }, STATUS_SEVERITY[g.status as LagStatus]);
        groupMembers.set({ group: g.group }, g.members);
        for (const p of g.partitions) {
          const l = { group: p.group, topic: p.topic, partition: String(p.partition) };
          offsetLag.set(l, p.offsetLag);
          noCommit.set(l, p.committedOffset === null ? 1 : 0);
          status.set(l, STATUS_SEVERITY[p.status]);
          if (p.timeLagS !== null) {
            timeLag.set({ ...l, estimated: String(p.timeLagEstimated) }, p.timeLagS);
          }
          if (p.timeToDrainS !== null) drain.set(l, p.timeToDrainS);
        }
      }
      for (const t of report.topics) {
        topicEnd.set({ topic: t.topic }, t.endOffset);
        if (t.perSecond !== null) topicRate.set({ topic: t.topic }, t.perSecond);
      }
    },
    pollDuration: new Histogram({
      name: 'sluice_lag_poll_duration_seconds',
      help: 'Time to read one snapshot of offsets from the cluster',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pollErrors: new Counter({
      name: 'sluice_lag_poll_errors_total',
      help: 'Failed reads and writes of the lag monitor, by stage',
      labelNames: ['stage'],
      registers: [registry],
    }),
    cloudwatchFailures: new Counter({
      name: 'sluice_cloudwatch_put_failures_total',
      help: 'PutMetricData requests that failed (monitoring goes on)',
      registers: [registry],
    }),
    cloudwatchDatums: new Counter({
      name: 'sluice_cloudwatch_datums_total',
      help: 'Metric data points accepted by CloudWatch',
      registers: [registry],
    }),
  };
}
