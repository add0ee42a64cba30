// Prometheus metrics of the Aggregation stage.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AggregationMetrics {
  events: Counter<'outcome'>;
  windowsEmitted: Counter;
  lateCorrections: Counter;
  sessionsEmitted: Counter;
  evicted: Counter;
  transactions: Counter<'outcome'>;
  restoreSeconds: Histogram;
  batchSeconds: Histogram;
}

export function createAggregationMetrics(
  registry: Registry,
  stateSize: () => number,
): AggregationMetrics {
  const registers = [registry];
  new Gauge({
    name: 'sluice_aggregation_state_entries',
    help: 'Open windows plus sessions held in memory, over all assigned partitions',
    registers,
    collect() {
      this.set(stateSize());
    },
  });
  return {
    events: new Counter({
      name: 'sluice_aggregation_events_total',
      help: 'Events read, by outcome (on_time, late_accepted, reaggregated, late_dropped, expired, invalid)',
      labelNames: ['outcome'],
      registers,
    }),
    windowsEmitted: new Counter({
      name: 'sluice_aggregation_windows_emitted_total',
      help: 'Window partial records produced to aggregates',
      registers,
    }),
    lateCorrections: new Counter({
      name: 'sluice_aggregation_late_corrections_total',
      help: 'Late-drop corrections produced to aggregates: late drops of windows already past AGG_RETENTION, added to their late_dropped',
      registers,
    }),
    sessionsEmitted: new Counter({
      name: 'sluice_aggregation_sessions_emitted_total',
      help: 'Session records produced to sessions',
      registers,
    }),
    evicted: new Counter({
      name: 'sluice_aggregation_state_evicted_total',
      help: 'Windows and sessions closed early because AGG_MAX_STATE_ENTRIES was reached',
      registers,
    }),
    transactions: new Counter({
      name: 'sluice_aggregation_transactions_total',
      help: 'Kafka transactions by outcome (commit, abort)',
      labelNames: ['outcome'],
      registers,
    }),
    restoreSeconds: new Histogram({
      name: 'sluice_aggregation_restore_seconds',
      help: 'Time to restore assigned partitions from the changelog',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'sluice_aggregation_batch_seconds',
      help: 'Time to aggregate and commit one batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
