// The Enrichment stage's pure step: a batch of raw Kafka messages in, one outcome per message out
// (outcomes[i] belongs to batch[i]). Validation failures and lookup faults are outcomes, never
// exceptions, so one bad message cannot fail a batch. The worker turns outcomes into effects:
// `ok` is produced to events.enriched, a retryable `dlq` is retried by the worker's policy
// (3 attempts, backoff with jitter) and then dead-lettered with buildDlqRecord, a permanent
// `dlq` is dead-lettered at once.

import type { HeaderValue } from './dlq-headers.ts';
import { errorClassOf, isRetryableError } from './error-classification.ts';
import { createEventParser, type EventParserOptions } from './event-parser.ts';
import type { AnalyticsEvent } from './event-schema.ts';
import type { GeoEnricher, GeoInfo, GeoStatus } from './geoip-enricher.ts';
import type { UaEnricher, UaInfo } from './ua-enricher.ts';

export interface RawMessage {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly topic: string;
  readonly partition: number;
  /** 64-bit offset as a decimal string, as Kafka clients give it. */
  readonly offset: string;
  /** Broker timestamp, epoch milliseconds as a decimal string (KafkaJS convention). */
  readonly timestamp: string;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

export interface EnrichedEvent extends AnalyticsEvent {
  readonly geo: GeoInfo | null;
  readonly geo_status: GeoStatus;
  readonly ua: UaInfo | null;
  /** When the batch was enriched (ISO-8601), from the injected clock; null without one. */
  readonly enriched_at: string | null;
  /** Build time of the Geo-IP database used (ISO-8601). */
  readonly geoip_build: string;
}

/** What was computed before a failure; it travels in the DLQ record. */
export interface PartialEnrichment {
  readonly event_id: string;
  readonly ua: UaInfo | null;
}

export type EnrichOutcome =
  | { readonly kind: 'ok'; readonly event: EnrichedEvent }
  | {
      readonly kind: 'dlq';
      /** Machine reason: an invalid event's reason (`too_long`, ...) or `geo_lookup_failed`. */
      readonly reason: string;
      readonly errorClass: string;
      readonly message: string;
      readonly path: string | undefined;
      readonly retryable: boolean;
      readonly stack: string | undefined;
      readonly partial: PartialEnrichment | undefined;
    };

export type EnrichConfig = EventParserOptions;

export interface EnrichDeps {
  readonly geo: GeoEnricher;
  readonly ua: UaEnricher;
  readonly config?: EnrichConfig;
  /** Wall clock in epoch ms, read once per batch. Core never reads the clock itself. */
  readonly now?: () => number;
}

export type EnrichStep = (batch: readonly RawMessage[]) => EnrichOutcome[];

export const INVALID_EVENT_ERROR_CLASS = 'InvalidEvent';

function dlq(
  reason: string,
  errorClass: string,
  message: string,
  retryable: boolean,
  path?: string,
  stack?: string,
  partial?: PartialEnrichment,
): EnrichOutcome {
  return { kind: 'dlq', reason, errorClass, message, path, retryable, stack, partial };
}

export function createEnrichStep(deps: EnrichDeps): EnrichStep {
  const parse = createEventParser(deps.config);
  const { geo, ua } = deps;

  const enrichOne = (message: RawMessage, enrichedAt: string | null): EnrichOutcome => {
    if (message.value === null) {
      return dlq('empty', INVALID_EVENT_ERROR_CLASS, 'message has no value', false);
    }
    const parsed = parse(message.value);
    if (parsed.kind === 'invalid') {
      return dlq(parsed.reason, INVALID_EVENT_ERROR_CLASS, parsed.message, false, parsed.path);
    }
    const e = parsed.event;
    // User agent first: it cannot fail transiently, so a Geo-IP fault still leaves a partial
    // result for the DLQ record.
    const uaInfo = ua.enrich(e.user_agent, e.client_hints);
    let geoResult: ReturnType<GeoEnricher['enrich']>;
    try {
      geoResult = geo.enrich(e.ip);
    } catch (error) {
      return dlq(
        'geo_lookup_failed',
        errorClassOf(error),
        error instanceof Error ? error.message : String(error),
        isRetryableError(error),
        'ip',
        error instanceof Error ? error.stack : undefined,
        { event_id: e.event_id, ua: uaInfo },
      );
    }
    // Listed field by field rather than spread: every enriched event gets the same shape,
    // which V8 serialises fastest when the worker stringifies the batch (once).
    const event: EnrichedEvent = {
      event_id: e.event_id,
      type: e.type,
      timestamp: e.timestamp,
      timestamp_ms: e.timestamp_ms,
      user_id: e.user_id,
      session_id: e.session_id,
      ip: e.ip,
      user_agent: e.user_agent,
      url: e.url,
      referrer: e.referrer,
      properties: e.properties,
      message: e.message,
      stack: e.stack,
      client_hints: e.client_hints,
      geo: geoResult.geo,
      geo_status: geoResult.status,
      ua: uaInfo,
      enriched_at: enrichedAt,
      geoip_build: geo.buildIso,
    };
    return { kind: 'ok', event };
  };

  return (batch) => {
    // One clock reading per batch: the batch is enriched in one go and shares the instant.
    const enrichedAt = deps.now === undefined ? null : new Date(deps.now()).toISOString();
    const outcomes = new Array<EnrichOutcome>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i] as RawMessage;
      try {
        outcomes[i] = enrichOne(message, enrichedAt);
      } catch (error) {
        // A bug must not turn one message into a poison pill that fails every retry of the
        // batch: the message is dead-lettered with the error, the rest go on.
        outcomes[i] = dlq(
          'unexpected_error',
          errorClassOf(error),
          error instanceof Error ? error.message : String(error),
          isRetryableError(error),
          undefined,
          error instanceof Error ? error.stack : undefined,
        );
      }
    }
    return outcomes;
  };
}
