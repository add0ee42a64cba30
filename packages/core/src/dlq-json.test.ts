import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodePayload, parseDlqJsonLine, toDlqJsonLine } from './dlq-json.ts';

describe('DLQ JSON lines', () => {
  it('writes valid UTF-8 payloads as text', () => {
    const line = toDlqJsonLine({
      key: Buffer.from('s-1'),
      value: Buffer.from('{"event_id":"é"}'),
      headers: { 'sluice.stage': 'enrichment' },
    });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      key: { encoding: 'utf8', data: 's-1' },
      value: { encoding: 'utf8', data: '{"event_id":"é"}' },
      headers: { 'sluice.stage': 'enrichment' },
    });
  });

  it('writes invalid UTF-8 as base64 and round-trips the exact bytes', () => {
    const value = Buffer.from([0xc3, 0x28, 0xff, 0x00]);
    expect(encodePayload(value)).toEqual({ encoding: 'base64', data: value.toString('base64') });
    const parsed = parseDlqJsonLine(toDlqJsonLine({ key: null, value, headers: {} }));
    expect(parsed.kind).toBe('ok');
    if (parsed.kind === 'ok') {
      expect(parsed.record.key).toBeNull();
      expect(Buffer.from(parsed.record.value ?? []).equals(value)).toBe(true);
    }
  });

  it.each([
    ['not JSON', '{'],
    ['a bad encoding', '{"key":null,"value":{"encoding":"hex","data":"00"},"headers":{}}'],
    ['non-string headers', '{"key":null,"value":null,"headers":{"a":1}}'],
    ['missing headers', '{"key":null,"value":null}'],
  ])('rejects %s', (_label, line) => {
    expect(parseDlqJsonLine(line).kind).toBe('invalid');
  });
});
