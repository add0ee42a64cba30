import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, parseDlqHeaders } from './dlq-headers.ts';

const good: Record<string, string> = {
  'sluice.envelope.version': '1',
  'sluice.stage': 'enrichment',
  'sluice.error.class': 'InvalidEvent',
  'sluice.error.message': 'bad',
  'sluice.retryable': 'false',
  'sluice.attempts': '1',
  'sluice.source.topic': 'events.raw',
  'sluice.source.partition': '0',
  'sluice.source.offset': '12',
  'sluice.source.timestamp': '2024-03-01T12:00:00.000Z',
  'sluice.failure.first': '2024-03-01T12:00:01.000Z',
  'sluice.failure.last': '2024-03-01T12:00:01.000Z',
  'sluice.worker.id': 'w-1',
  'sluice.app.version': '0.1.0',
};

describe('parseDlqHeaders', () => {
  it('reads the minimal header set, optional headers undefined', () => {
    const parsed = parseDlqHeaders(good);
    expect(parsed).toMatchObject({
      kind: 'ok',
      metadata: {
        stage: 'enrichment',
        retryable: false,
        attempts: 1,
        source: {
          topic: 'events.raw',
          partition: 0,
          offset: '12',
          timestampMs: Date.UTC(2024, 2, 1, 12),
        },
        stack: undefined,
        reason: undefined,
        geoipBuild: undefined,
        partial: undefined,
      },
    });
  });

  it('accepts byte values and arrays of values, as Kafka clients deliver them', () => {
    const headers = { ...good, [DLQ_HEADERS.stage]: [Buffer.from('aggregation')] };
    const parsed = parseDlqHeaders(headers);
    expect(parsed.kind === 'ok' && parsed.metadata.stage).toBe('aggregation');
  });

  it.each([
    ['a missing header', { ...good, 'sluice.stage': undefined }, 'sluice.stage'],
    ['a bad partition', { ...good, 'sluice.source.partition': '-1' }, 'sluice.source.partition'],
    ['a bad offset', { ...good, 'sluice.source.offset': '1e3' }, 'sluice.source.offset'],
    ['a bad time', { ...good, 'sluice.failure.last': 'later' }, 'sluice.failure.last'],
    ['a bad retryable flag', { ...good, 'sluice.retryable': 'yes' }, 'sluice.retryable'],
    ['an unknown version', { ...good, 'sluice.envelope.version': '9' }, 'sluice.envelope.version'],
    ['broken partial JSON', { ...good, 'sluice.partial': '{' }, 'sluice.partial'],
  ])('reports %s as invalid, naming the header', (_label, headers, header) => {
    const parsed = parseDlqHeaders(headers);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.header).toBe(header);
  });
});
