// The Enrichment stage without Kafka: a batch of raw messages in, the records to produce out
// (enriched events and DLQ records). The worker wraps this in a transaction; `sluice enrich`
// feeds it from stdin. Same code path for both, so what users test is what runs.
import {
  createEnrichStep,
  createGeoEnricher,
  createUaEnricher,
  type DlqRecord,
  type EnrichConfig,
  type EnrichOutcome,
  type EnrichStep,
  enrichDlqRecord,
  type GeoEnricher,
  type RawMessage,
} from '@sluice/core';
import pRetry, { AbortError } from 'p-retry';
import type { GeoDatabase } from './geoip-database.ts';

export interface EnrichmentPipelineOptions {
  geo: GeoDatabase;
  config: EnrichConfig;
  geoCacheSize: number;
  uaCacheSize: number;
  workerId: string;
  appVersion: string;
  now: () => number;
  /** Retries of a transient failure before the event is dead-lettered (the design says 3). */
  retries?: number;
  retryMinTimeoutMs?: number;
}

export interface ProducedRecord {
  key: Uint8Array | null;
  value: string;
  /**
   * The raw record's Kafka timestamp (when it entered Sluice), kept on the enriched record as
   * Kafka Streams keeps an input's timestamp on its outputs: the storage writers measure
   * end-to-end latency from it.
   */
  timestamp: string;
  /** The event's id, and the raw record's partition: what duplicates are told apart by. */
  eventId: string;
  partition: number;
  /** The raw record's offset (its headers travel with it). */
  offset: string;
}

export interface PipelineResult {
  enriched: ProducedRecord[];
  dlq: DlqRecord[];
  /** DLQ count by reason, for metrics and summaries. */
  dlqReasons: Map<string, number>;
  retried: number;
}

type DlqOutcome = Extract<EnrichOutcome, { kind: 'dlq' }>;

class StillFailing extends Error {}

export interface EnrichmentPipeline {
  process(batch: readonly RawMessage[]): Promise<PipelineResult>;
  geoipBuild(): string;
  cacheStats(): { geo: { hits: number; misses: number }; ua: { hits: number; misses: number } };
}

export function createEnrichmentPipeline(options: EnrichmentPipelineOptions): EnrichmentPipeline {
  const ua = createUaEnricher({ cacheSize: options.uaCacheSize });
  let geo: GeoEnricher = createGeoEnricher({
    lookup: options.geo.current(),
    cacheSize: options.geoCacheSize,
  });
  let step: EnrichStep = createEnrichStep({ geo, ua, config: options.config, now: options.now });
  options.geo.onSwap((lookup) => {
    geo = createGeoEnricher({ lookup, cacheSize: options.geoCacheSize });
    step = createEnrichStep({ geo, ua, config: options.config, now: options.now });
  });

  async function process(batch: readonly RawMessage[]): Promise<PipelineResult> {
    const outcomes = step(batch);
    const result: PipelineResult = { enriched: [], dlq: [], dlqReasons: new Map(), retried: 0 };
    const final: (EnrichOutcome | undefined)[] = outcomes.slice();
    let pending = outcomes.flatMap((o, i) => (o.kind === 'dlq' && o.retryable ? [i] : []));
    const firstFailure = options.now();
    let attempts = 1;

    if (pending.length > 0) {
      result.retried = pending.length;
      try {
        await pRetry(
          () => {
            attempts++;
            const again = step(pending.map((i) => batch[i] as RawMessage));
            const still: number[] = [];
            again.forEach((o, j) => {
              const i = pending[j] as number;
              final[i] = o;
              if (o.kind === 'dlq' && o.retryable) still.push(i);
            });
            pending = still;
            if (still.length > 0) throw new StillFailing(`${still.length} events still failing`);
          },
          {
            retries: options.retries ?? 3,
            factor: 2,
            minTimeout: options.retryMinTimeoutMs ?? 50,
            maxTimeout: 2000,
            randomize: true,
            shouldRetry: ({ error }) => error instanceof StillFailing,
          },
        );
      } catch (err) {
        if (!(err instanceof StillFailing) && !(err instanceof AbortError)) throw err;
      }
    }

    const lastFailure = options.now();
    final.forEach((o, i) => {
      const message = batch[i] as RawMessage;
      if (o?.kind === 'ok') {
        // events.enriched is keyed by session, like events.raw; a raw record without a key gets
        // its event's session id so sessions stay on one partition downstream.
        result.enriched.push({
          key: message.key ?? Buffer.from(o.event.session_id),
          value: JSON.stringify(o.event),
          timestamp: message.timestamp,
          eventId: o.event.event_id,
          partition: message.partition,
          offset: message.offset,
        });
        return;
      }
      const failure = o as DlqOutcome;
      const retriedThis = failure.retryable;
      result.dlq.push(
        enrichDlqRecord(
          message,
          failure,
          {
            attempts: retriedThis ? attempts : 1,
            firstFailureMs: firstFailure,
            lastFailureMs: retriedThis ? lastFailure : firstFailure,
          },
          { workerId: options.workerId, appVersion: options.appVersion, geoipBuild: geo.buildIso },
        ),
      );
      result.dlqReasons.set(failure.reason, (result.dlqReasons.get(failure.reason) ?? 0) + 1);
    });
    return result;
  }

  return {
    process,
    geoipBuild: () => geo.buildIso,
    cacheStats: () => ({ geo: geo.stats(), ua: ua.stats() }),
  };
}
