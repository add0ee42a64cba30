import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { buildDlqRecord, type DlqInput } from './dlq-envelope.ts';
import { DLQ_HEADERS, parseDlqHeaders } from './dlq-headers.ts';

const key = Buffer.from('session-1');
const value = Buffer.from([0x7b, 0xff, 0x00, 0x7d]); // not even UTF-8: must survive untouched

const input: DlqInput = {
  key,
  value,
  source: {
    topic: 'events.raw',
    partition: 7,
    offset: '9007199254740993',
    timestampMs: 1_700_000_000_000,
  },
  failure: {
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    message: 'type is too long',
    stack: 'Error: x\n    at a\n    at b',
    reason: 'too_long',
    path: 'type',
    retryable: false,
    attempts: 1,
    firstFailureMs: 1_700_000_001_000,
    lastFailureMs: 1_700_000_002_500,
  },
  context: { workerId: 'enrich-1', appVersion: '0.1.0', geoipBuild: '2024-05-01T00:00:00.000Z' },
  partial: { ua: { browser: 'Chrome' } },
};

describe('buildDlqRecord', () => {
  it('keeps the key and value bytes unchanged', () => {
    const record = buildDlqRecord(input);
    expect(record.key).toBe(key);
    expect(record.value).toBe(value);
    expect(Buffer.from(record.value ?? []).equals(Buffer.from([0x7b, 0xff, 0x00, 0x7d]))).toBe(
      true,
    );
  });

  it('writes namespaced headers', () => {
    const { headers } = buildDlqRecord(input);
    expect(headers).toMatchObject({
      'sluice.stage': 'enrichment',
      'sluice.error.class': 'InvalidEvent',
      'sluice.retryable': 'false',
      'sluice.attempts': '1',
      'sluice.source.topic': 'events.raw',
      'sluice.source.partition': '7',
      'sluice.source.offset': '9007199254740993',
      'sluice.source.timestamp': '2023-11-14T22:13:20.000Z',
      'sluice.failure.first': '2023-11-14T22:13:21.000Z',
      'sluice.geoip.build': '2024-05-01T00:00:00.000Z',
    });
    for (const name of Object.keys(headers)) expect(name.startsWith('sluice.')).toBe(true);
  });

  it('round-trips through parseDlqHeaders', () => {
    const parsed = parseDlqHeaders(buildDlqRecord(input).headers);
    expect(parsed).toEqual({
      kind: 'ok',
      metadata: {
        stage: 'enrichment',
        errorClass: 'InvalidEvent',
        message: 'type is too long',
        stack: 'Error: x\n    at a\n    at b',
        reason: 'too_long',
        path: 'type',
        retryable: false,
        attempts: 1,
        source: {
          topic: 'events.raw',
          partition: 7,
          offset: '9007199254740993',
          timestampMs: 1_700_000_000_000,
        },
        firstFailureMs: 1_700_000_001_000,
        lastFailureMs: 1_700_000_002_500,
        workerId: 'enrich-1',
        appVersion: '0.1.0',
        geoipBuild: '2024-05-01T00:00:00.000Z',
        partial: { ua: { browser: 'Chrome' } },
      },
    });
  });

  it('parses headers given as Kafka byte buffers', () => {
    const { headers } = buildDlqRecord(input);
    const asBytes = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]),
    );
    const parsed = parseDlqHeaders(asBytes);
    expect(parsed.kind === 'ok' && parsed.metadata.source.partition).toBe(7);
  });

  it('truncates the stack and the message to their bounds', () => {
    const stack = [
      'Error: deep',
      ...Array.from({ length: 500 }, (_, i) => `    at frame${i}`),
    ].join('\n');
    const record = buildDlqRecord(
      { ...input, failure: { ...input.failure, stack, message: 'm'.repeat(10_000) } },
      { maxMessageBytes: 100, maxStackLines: 5, maxStackBytes: 4096, maxPartialBytes: 8192 },
    );
    const kept = record.headers['sluice.error.stack'] ?? '';
    expect(kept.startsWith('Error: deep\n    at frame0')).toBe(true);
    expect(kept).not.toContain('frame4');
    expect(kept).toContain('[truncated]');
    expect(Buffer.byteLength(record.headers['sluice.error.message'] ?? '')).toBeLessThanOrEqual(
      100,
    );
  });

  it('leaves out optional headers and an oversize partial result', () => {
    const { headers } = buildDlqRecord({
      ...input,
      failure: { ...input.failure, stack: undefined, reason: undefined, path: undefined },
      context: { workerId: 'w', appVersion: 'v' },
      partial: { big: 'x'.repeat(10_000) },
    });
    for (const h of [
      DLQ_HEADERS.errorStack,
      DLQ_HEADERS.errorReason,
      DLQ_HEADERS.geoipBuild,
      DLQ_HEADERS.partial,
    ]) {
      expect(headers).not.toHaveProperty(h);
    }
    const parsed = parseDlqHeaders(headers);
    expect(parsed.kind === 'ok' && parsed.metadata.partial).toBeUndefined();
  });
});
