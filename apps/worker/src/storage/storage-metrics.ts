// Prometheus metrics of the storage writers, per sink: up/down, batch latency, records written,
// retries and dead-lettered records, what is pending, and the partitions paused for it.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface StorageMetrics {
  up: Gauge<'sink'>;
  batchSeconds: Histogram<'sink'>;
  written: Counter<'sink'>;
  retries: Counter<'sink'>;
  deadLettered: Counter<'sink'>;
  pending: Gauge<'sink'>;
  paused: Gauge<'sink'>;
  commits: Counter;
  endToEndSeconds: Histogram;
}

export function createStorageMetrics(registry: Registry): StorageMetrics {
  const registers = [registry];
  const labelNames = ['sink'] as const;
  return {
    endToEndSeconds: new Histogram({
      name: 'sluice_end_to_end_latency_seconds',
      help: 'From an event entering events.raw to its being durable in every sink it was routed to but the asynchronous archive',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    up: new Gauge({
      name: 'sluice_storage_sink_up',
      help: '1 while the sink accepts writes, 0 after a batch failed every retry',
      labelNames,
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'sluice_storage_batch_seconds',
      help: 'Time to write one batch to the sink, retries included',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    written: new Counter({
      name: 'sluice_storage_records_written_total',
      help: 'Records made durable in the sink',
      labelNames,
      registers,
    }),
    retries: new Counter({
      name: 'sluice_storage_retries_total',
      help: 'Failed write attempts that were retried',
      labelNames,
      registers,
    }),
    deadLettered: new Counter({
      name: 'sluice_storage_dead_lettered_total',
      help: 'Records the sink refused permanently, sent to events.dlq',
      labelNames,
      registers,
    }),
    pending: new Gauge({
      name: 'sluice_storage_pending_records',
      help: 'Records consumed but not yet durable in the sink',
      labelNames,
      registers,
    }),
    paused: new Gauge({
      name: 'sluice_storage_paused_partitions',
      help: 'Partitions paused because this sink holds them back',
      labelNames,
      registers,
    }),
    commits: new Counter({
      name: 'sluice_storage_offset_commits_total',
      help: 'Offset commits of durable positions',
      registers,
    }),
  };
}
