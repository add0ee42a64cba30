import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { parseDlqHeaders } from './dlq-headers.ts';
import { enrichDlqRecord } from './enrich-dlq.ts';
import type { EnrichOutcome, RawMessage } from './enrich-step.ts';

const message: RawMessage = {
  key: Buffer.from('s-9'),
  value: Buffer.from('{"bad":'),
  topic: 'events.raw',
  partition: 11,
  offset: '42',
  timestamp: '1700000000000',
};

const outcome: Extract<EnrichOutcome, { kind: 'dlq' }> = {
  kind: 'dlq',
  reason: 'geo_lookup_failed',
  errorClass: 'TransientLookupError',
  message: 'database reloading',
  path: 'ip',
  retryable: true,
  stack: 'TransientLookupError: database reloading\n    at x',
  partial: { event_id: 'e-9', ua: null },
};

describe('enrichDlqRecord', () => {
  it('builds a record whose headers parse back to the outcome and source', () => {
    const record = enrichDlqRecord(
      message,
      outcome,
      { attempts: 4, firstFailureMs: 1_700_000_001_000, lastFailureMs: 1_700_000_009_000 },
      { workerId: 'w-1', appVersion: '1.2.3', geoipBuild: '2024-05-01T00:00:00.000Z' },
    );
    expect(record.key).toBe(message.key);
    expect(record.value).toBe(message.value);
    const parsed = parseDlqHeaders(record.headers);
    expect(parsed).toMatchObject({
      kind: 'ok',
      metadata: {
        stage: 'enrichment',
        reason: 'geo_lookup_failed',
        retryable: true,
        attempts: 4,
        source: {
          topic: 'events.raw',
          partition: 11,
          offset: '42',
          timestampMs: 1_700_000_000_000,
        },
        partial: { event_id: 'e-9', ua: null },
      },
    });
  });

  it('records a missing broker timestamp as epoch 0', () => {
    const record = enrichDlqRecord(
      { ...message, timestamp: '-1' },
      outcome,
      { attempts: 1, firstFailureMs: 0, lastFailureMs: 0 },
      { workerId: 'w', appVersion: 'v' },
    );
    expect(record.headers['sluice.source.timestamp']).toBe('1970-01-01T00:00:00.000Z');
  });
});
