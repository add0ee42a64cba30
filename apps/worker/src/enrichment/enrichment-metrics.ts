// Prometheus metrics of the Enrichment stage.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EnrichmentPipeline } from './enrichment-pipeline.ts';

export interface EnrichmentMetrics {
  eventsIn: Counter;
  eventsOut: Counter;
  eventsDlq: Counter<'reason'>;
  retried: Counter;
  duplicates: Counter;
  batchSize: Histogram;
  batchSeconds: Histogram;
  transactions: Counter<'outcome'>;
}

export function createEnrichmentMetrics(
  registry: Registry,
  pipeline: EnrichmentPipeline,
): EnrichmentMetrics {
  const registers = [registry];
  const hitRate = (which: 'geo' | 'ua') => {
    const s = pipeline.cacheStats()[which];
    const total = s.hits + s.misses;
    return total === 0 ? 0 : s.hits / total;
  };
  new Gauge({
    name: 'sluice_enrichment_cache_hit_ratio',
    help: 'Share of lookups answered by the LRU cache since the cache was created',
    labelNames: ['cache'],
    registers,
    collect() {
      this.set({ cache: 'geoip' }, hitRate('geo'));
      this.set({ cache: 'user_agent' }, hitRate('ua'));
    },
  });
  return {
    eventsIn: new Counter({
      name: 'sluice_enrichment_events_in_total',
      help: 'Raw events read',
      registers,
    }),
    eventsOut: new Counter({
      name: 'sluice_enrichment_events_out_total',
      help: 'Enriched events produced (committed or attempted)',
      registers,
    }),
    eventsDlq: new Counter({
      name: 'sluice_enrichment_events_dlq_total',
      help: 'Events sent to the dead-letter queue, by reason',
      labelNames: ['reason'],
      registers,
    }),
    duplicates: new Counter({
      name: 'sluice_enrichment_duplicates_total',
      help: 'Records dropped as a duplicate by event_id within ENRICH_DEDUP_HORIZON_MS',
      registers,
    }),
    retried: new Counter({
      name: 'sluice_enrichment_events_retried_total',
      help: 'Events whose enrichment failed transiently and was retried',
      registers,
    }),
    batchSize: new Histogram({
      name: 'sluice_enrichment_batch_size',
      help: 'Messages per batch',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'sluice_enrichment_batch_seconds',
      help: 'Time to enrich and commit one batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    transactions: new Counter({
      name: 'sluice_enrichment_transactions_total',
      help: 'Kafka transactions by outcome (commit, abort)',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
