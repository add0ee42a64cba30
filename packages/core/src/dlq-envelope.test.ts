import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { buildDlqRecord, DEFAULT_DLQ_LIMITS, type DlqInput } from './dlq-envelope.ts';
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
      { ...DEFAULT_DLQ_LIMITS, maxMessageBytes: 100, maxStackLines: 5 },
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

  it('stays under its size bound: the partial result goes first, then the value is cut and says so', () => {
    const size = (r: ReturnType<typeof buildDlqRecord>) =>
      (r.key?.byteLength ?? 0) +
      (r.value?.byteLength ?? 0) +
      Object.entries(r.headers).reduce(
        (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
        0,
      );
    const limits = { ...DEFAULT_DLQ_LIMITS, maxRecordBytes: 4000 };
    // Within the bound with the partial result gone: the value stays whole.
    const near = buildDlqRecord(
      { ...input, value: Buffer.alloc(2500, 0x61), partial: { ua: 'u'.repeat(1500) } },
      limits,
    );
    expect(near.headers).not.toHaveProperty(DLQ_HEADERS.partial);
    expect(near.value?.byteLength).toBe(2500);
    expect(near.headers).not.toHaveProperty(DLQ_HEADERS.valueTruncated);
    expect(size(near)).toBeLessThanOrEqual(4000);
    // A value as large as the bound itself: cut, and its length said.
    const huge = buildDlqRecord({ ...input, value: Buffer.alloc(10_000, 0x62) }, limits);
    expect(huge.headers[DLQ_HEADERS.valueTruncated]).toBe('10000');
    expect(huge.value?.byteLength).toBeGreaterThan(0);
    expect(
      Buffer.from(huge.value ?? []).equals(Buffer.alloc(huge.value?.byteLength ?? 0, 0x62)),
    ).toBe(true);
    expect(size(huge)).toBeLessThanOrEqual(4000);
    // The default bound keeps a 1 MB value (the broker's own limit) writable.
    const mb = buildDlqRecord({ ...input, value: Buffer.alloc(1_048_576, 0x63) });
    expect(size(mb)).toBeLessThanOrEqual(DEFAULT_DLQ_LIMITS.maxRecordBytes);
    // Small records are untouched.
    expect(buildDlqRecord(input).value).toBe(value);
  });
});
