// Elasticsearch sink: error and exception events into one index with an explicit mapping,
// through the bulk API with _id = event_id and `create` actions, so a replayed event meets a 409
// and changes nothing. Per-item results decide: 201/409 stored; 429 and 5xx retried (3 attempts,
// backoff with jitter) then dead-lettered as retryable; any other 4xx (a mapping error, say)
// dead-lettered at once. A failed request as a whole (store down) throws for the runner.
import { Client } from '@elastic/elasticsearch';
import type { EnrichedEvent } from '@sluice/core';
import type { Sink, SinkFailure, SinkRecord } from './sink.ts';

export interface ElasticsearchSinkOptions {
  url: string;
  index: string;
  /** How often the index makes new documents searchable, in ms (`index.refresh_interval`). */
  refreshIntervalMs?: number;
  requestTimeoutMs?: number;
  /** Waits between item retries; tests shorten them. */
  itemRetryDelaysMs?: readonly number[];
}

export const ERRORS_INDEX_MAPPING = {
  // Unknown fields are refused, not guessed: the document shape is ours alone.
  dynamic: 'strict',
  properties: {
    event_id: { type: 'keyword' },
    type: { type: 'keyword' },
    timestamp: { type: 'date' },
    user_id: { type: 'keyword' },
    session_id: { type: 'keyword' },
    url: { type: 'keyword', ignore_above: 2048 },
    referrer: { type: 'keyword', ignore_above: 2048 },
    message: { type: 'text' },
    stack: { type: 'text' },
    browser: { type: 'keyword' },
    browser_version: { type: 'keyword' },
    os: { type: 'keyword' },
    device_type: { type: 'keyword' },
    country: { type: 'keyword' },
    country_code: { type: 'keyword' },
    region: { type: 'keyword' },
    city: { type: 'keyword' },
    location: { type: 'geo_point' },
    // Kept with the document, searchable only through the fields above.
    properties: { type: 'object', enabled: false },
  },
} as const;

export function errorDocument(e: EnrichedEvent): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    event_id: e.event_id,
    type: e.type,
    timestamp: e.timestamp,
    user_id: e.user_id,
    session_id: e.session_id,
    url: e.url,
    referrer: e.referrer,
    message: e.message,
    stack: e.stack,
    browser: e.ua?.browser ?? undefined,
    browser_version: e.ua?.browser_version ?? undefined,
    os: e.ua?.os ?? undefined,
    device_type: e.ua?.device_type ?? undefined,
    country: e.geo?.country ?? undefined,
    country_code: e.geo?.country_code ?? undefined,
    region: e.geo?.region ?? undefined,
    city: e.geo?.city ?? undefined,
    location:
      e.geo && e.geo.latitude !== null && e.geo.longitude !== null
        ? { lat: e.geo.latitude, lon: e.geo.longitude }
        : undefined,
    properties: e.properties,
  };
  for (const k of Object.keys(doc)) if (doc[k] === undefined || doc[k] === null) delete doc[k];
  return doc;
}

const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/**
 * Creates the index with its mapping if missing, and sets its refresh interval either way: the
 * interval is part of produce → searchable, so a changed setting applies to an index that exists.
 */
export async function ensureErrorsIndex(
  client: Client,
  index: string,
  refreshIntervalMs = 500,
): Promise<void> {
  const refresh_interval = `${refreshIntervalMs}ms`;
  if (await client.indices.exists({ index })) {
    await client.indices.putSettings({ index, settings: { index: { refresh_interval } } });
    return;
  }
  try {
    await client.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval },
      mappings: ERRORS_INDEX_MAPPING,
    });
  } catch (err) {
    // Another worker created it first.
    if (!/resource_already_exists_exception/.test(String(err))) throw err;
  }
}

export function createElasticsearchSink(o: ElasticsearchSinkOptions): Sink {
  const client = new Client({
    node: o.url,
    requestTimeout: o.requestTimeoutMs ?? 10_000,
    // Retries are ours (the runner's and the item loop below), not the client's.
    maxRetries: 0,
  });
  const delays = o.itemRetryDelaysMs ?? [200, 800];
  let indexReady = false;

  return {
    name: 'elasticsearch',
    async write(records: readonly SinkRecord[]) {
      if (!indexReady) {
        await ensureErrorsIndex(client, o.index, o.refreshIntervalMs);
        indexReady = true;
      }
      const failed: SinkFailure[] = [];
      // When each retried item first failed: its dead letter tells when the trouble began.
      const firstFailed = new Map<SinkRecord, number>();
      let todo: SinkRecord[] = records.filter((r) => r.kind === 'event');
      for (let attempt = 1; todo.length > 0; attempt++) {
        const response = await client.bulk({
          operations: todo.flatMap((r) => [
            { create: { _index: o.index, _id: (r.data as EnrichedEvent).event_id } },
            errorDocument(r.data as EnrichedEvent),
          ]),
        });
        const retry: SinkRecord[] = [];
        const answeredAt = Date.now();
        response.items.forEach((item, i) => {
          const result = item.create;
          const record = todo[i] as SinkRecord;
          if (!result || result.status < 300 || result.status === 409) return;
          const error = result.error;
          const firstFailureMs = firstFailed.get(record) ?? answeredAt;
          firstFailed.set(record, firstFailureMs);
          const failure = {
            record,
            errorClass: error?.type ?? `http_${result.status}`,
            message: `${result.status} ${error?.type ?? ''}: ${error?.reason ?? ''}`.trim(),
            retryable: isRetryableStatus(result.status),
            attempts: attempt,
            firstFailureMs,
          };
          if (!failure.retryable) failed.push(failure);
          else if (attempt > delays.length) failed.push(failure);
          else retry.push(record);
        });
        todo = retry;
        if (todo.length > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
      }
      return { failed };
    },
    close: () => client.close(),
  };
}
