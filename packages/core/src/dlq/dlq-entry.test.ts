import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { buildDlqRecord, type DlqInput } from '../dlq-envelope.ts';
import { DLQ_HEADERS, type RawHeaders } from '../dlq-headers.ts';
import { type DlqTopicRecord, decodeDlqEntry } from './dlq-entry.ts';
import { errorSignature } from './error-signature.ts';

const T = Date.parse('2026-03-01T10:00:00.000Z');

function input(over: Partial<DlqInput> = {}): DlqInput {
  return {
    key: Buffer.from('s1'),
    value: Buffer.from('{"event_id":"e1","type":"pageview","session_id":42}'),
    source: { topic: 'events.raw', partition: 3, offset: '1234', timestampMs: T - 5000 },
    failure: {
      stage: 'enrichment',
      errorClass: 'InvalidEvent',
      message: 'Invalid input: expected string, received number',
      stack: 'InvalidEvent: boom\n    at parse (event-parser.ts:1:1)',
      reason: 'invalid_type',
      path: 'session_id',
      retryable: false,
      attempts: 1,
      firstFailureMs: T - 1000,
      lastFailureMs: T,
    },
    context: { workerId: 'w1', appVersion: '0.1.0', geoipBuild: '2026-01-01T00:00:00.000Z' },
    ...over,
  };
}

/** A record as the DLQ consumer hands it over: headers as bytes. */
function asRead(
  r: { key: Uint8Array | null; value: Uint8Array | null; headers: RawHeaders },
  offset = '7',
): DlqTopicRecord {
  const headers: Record<string, Uint8Array | string | (Uint8Array | string)[]> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (typeof v === 'string') headers[k] = Buffer.from(v);
    else if (v !== undefined) headers[k] = v as Uint8Array;
  }
  return {
    topic: 'events.dlq',
    partition: 2,
    offset,
    timestampMs: T + 10,
    key: r.key,
    value: r.value,
    headers,
  };
}

describe('decodeDlqEntry', () => {
  it('reads every envelope field of a record a stage wrote', () => {
    const e = decodeDlqEntry(asRead(buildDlqRecord(input({ partial: { ip: 'x', geo: null } }))));
    expect(e).toMatchObject({
      topic: 'events.dlq',
      partition: 2,
      offset: '7',
      recordTimestampMs: T + 10,
      envelopeVersion: '1',
      envelope: { valid: true },
      stage: 'enrichment',
      errorClass: 'InvalidEvent',
      message: 'Invalid input: expected string, received number',
      stack: 'InvalidEvent: boom\n    at parse (event-parser.ts:1:1)',
      reason: 'invalid_type',
      path: 'session_id',
      retryable: false,
      attempts: 1,
      sourceTopic: 'events.raw',
      sourcePartition: 3,
      sourceOffset: '1234',
      sourceTimestampMs: T - 5000,
      firstFailureMs: T - 1000,
      lastFailureMs: T,
      failedAtMs: T,
      workerId: 'w1',
      appVersion: '0.1.0',
      geoipBuild: '2026-01-01T00:00:00.000Z',
      partial: { ip: 'x', geo: null },
      eventId: 'e1',
      eventType: 'pageview',
      payloadText: '{"event_id":"e1","type":"pageview","session_id":42}',
    });
    const sig = errorSignature({
      stage: 'enrichment',
      errorClass: 'InvalidEvent',
      path: 'session_id',
      message: 'Invalid input: expected string, received number',
    });
    expect([e.signature, e.signatureText]).toEqual([sig.id, sig.text]);
    expect(Buffer.from(e.key ?? [])).toEqual(Buffer.from('s1'));
    expect(e.headers[DLQ_HEADERS.stage]).toBe('enrichment');
    expect(Object.keys(e.headers)).toHaveLength(
      Object.keys(buildDlqRecord(input()).headers).length + 1,
    );
  });

  it('keeps the original bytes exactly, even when they are not text', () => {
    const value = Uint8Array.of(0xff, 0x00, 0xfe, 0x7b);
    const e = decodeDlqEntry(asRead(buildDlqRecord(input({ value }))));
    expect(e.value).toEqual(value);
    expect(e.payloadText).toBeNull();
    expect(e.eventId).toBeNull();
  });

  it('finds the event id and type in a payload cut short (invalid JSON)', () => {
    const value = Buffer.from('{"event_id":"e-77","type":"click","timestamp":17');
    const e = decodeDlqEntry(asRead(buildDlqRecord(input({ value }))));
    expect([e.eventId, e.eventType]).toEqual(['e-77', 'click']);
  });

  it('takes the event id from the partial result when the payload has none', () => {
    const e = decodeDlqEntry(
      asRead(
        buildDlqRecord(
          input({ value: Buffer.from('[]'), partial: { event_id: 'p1', type: 'error' } }),
        ),
      ),
    );
    expect([e.eventId, e.eventType]).toEqual(['p1', 'error']);
  });

  it('indexes a record with no headers at all, saying why it is not an envelope', () => {
    const e = decodeDlqEntry({
      topic: 'events.dlq',
      partition: 0,
      offset: '0',
      timestampMs: T,
      key: null,
      value: Buffer.from('hello'),
      headers: {},
    });
    expect(e).toMatchObject({
      envelope: { valid: false, problem: 'missing header sluice.envelope.version' },
      stage: 'unknown',
      errorClass: 'unknown',
      message: '',
      failedAtMs: T,
      retryable: null,
      attempts: null,
      sourceOffset: null,
      payloadText: 'hello',
      headers: {},
    });
    expect(e.signatureText).toBe('unknown · unknown: ');
  });

  it('keeps what it can read of a broken envelope and names the first problem', () => {
    const good = buildDlqRecord(input()).headers;
    const e = decodeDlqEntry(
      asRead({
        key: null,
        value: null,
        headers: {
          ...good,
          [DLQ_HEADERS.attempts]: 'three',
          [DLQ_HEADERS.sourceOffset]: '99999999999999999999',
          [DLQ_HEADERS.sourcePartition]: '-1',
          [DLQ_HEADERS.lastFailureAt]: 'yesterday',
          [DLQ_HEADERS.firstFailureAt]: '-271821-04-20T00:00:00Z',
          [DLQ_HEADERS.partial]: '{"cut": ',
        },
      }),
    );
    expect(e.envelope).toEqual({ valid: false, problem: 'partial enrichment is not JSON' });
    expect(e).toMatchObject({
      stage: 'enrichment',
      errorClass: 'InvalidEvent',
      attempts: null,
      sourceOffset: null,
      sourcePartition: null,
      lastFailureMs: null,
      firstFailureMs: null,
      // No failure time: the DLQ record's own time.
      failedAtMs: T + 10,
      partial: null,
    });
    expect(e.headers[DLQ_HEADERS.partial]).toBe('{"cut": ');
  });

  it('never hands PostgreSQL a NUL or half a surrogate pair', () => {
    const e = decodeDlqEntry({
      topic: 'events.dlq',
      partition: 0,
      offset: '1',
      timestampMs: -1,
      key: null,
      value: Buffer.from('{"event_id":"a\\u0000b","type":"x"}'),
      headers: {
        [DLQ_HEADERS.errorMessage]: 'bad \u0000 byte and \ud800 half',
        [DLQ_HEADERS.partial]: '{"s":"\\u0000","t":"\\ud800"}',
        'x-binary': Uint8Array.of(0x00, 0xff),
        'x-many': [Buffer.from('a'), Buffer.from('b')],
      },
    });
    expect(e.message).toBe('bad \uFFFD byte and \uFFFD half');
    expect(e.eventId).toBe('a\uFFFDb');
    expect(e.partial).toBeNull();
    expect(e.recordTimestampMs).toBeNull();
    expect(e.failedAtMs).toBe(0);
    expect(e.headers['x-binary']).toEqual({ encoding: 'base64', data: 'AP8=' });
    expect(e.headers['x-many']).toEqual(['a', 'b']);
    // As jsonb receives them: an escaped NUL or lone surrogate would be refused (an escaped
    // backslash before "u0000", text that merely looks like one, is fine).
    expect(JSON.stringify(e.headers)).not.toMatch(/(?<!\\)\\u0000|(?<!\\)\\ud800/);
    expect(JSON.stringify(e.headers)).toContain('\\\\u0000');
  });

  it('bounds the text it keeps of a record written by anyone', () => {
    const e = decodeDlqEntry(
      {
        topic: 'events.dlq',
        partition: 0,
        offset: '2',
        timestampMs: T,
        key: null,
        value: Buffer.from('x'.repeat(10_000)),
        headers: {
          [DLQ_HEADERS.errorMessage]: 'm'.repeat(10_000),
          [DLQ_HEADERS.stage]: 's'.repeat(10_000),
        },
      },
      { maxTextBytes: 100, maxStackBytes: 100, maxPayloadTextBytes: 50, maxParseBytes: 10 },
    );
    expect(Buffer.byteLength(e.message)).toBeLessThanOrEqual(100);
    expect(Buffer.byteLength(e.stage)).toBeLessThanOrEqual(100);
    expect(e.payloadText).toBe('x'.repeat(50));
  });
});
