// Prometheus metrics of the DLQ indexer.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface DlqIndexerMetrics {
  read: Counter;
  inserted: Counter;
  invalidEnvelopes: Counter;
  writeRetries: Counter;
  writeSeconds: Histogram;
}

export function createDlqIndexerMetrics(registry: Registry): DlqIndexerMetrics {
  const registers = [registry];
  return {
    read: new Counter({
      name: 'sluice_dlq_index_records_read_total',
      help: 'Records read from the DLQ topic (a record read again after a restart counts again)',
      registers,
    }),
    inserted: new Counter({
      name: 'sluice_dlq_index_entries_inserted_total',
      help: 'Entries new to the DLQ index',
      registers,
    }),
    invalidEnvelopes: new Counter({
      name: 'sluice_dlq_index_invalid_envelopes_total',
      help: 'Records indexed although they are not a valid DLQ envelope',
      registers,
    }),
    writeRetries: new Counter({
      name: 'sluice_dlq_index_write_retries_total',
      help: 'Failed writes of a batch to PostgreSQL that were retried',
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'sluice_dlq_index_write_seconds',
      help: 'Time to write one batch to PostgreSQL, retries included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
