import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MAX_HEX_BYTES, viewPayload } from './payload-view.ts';

describe('viewPayload', () => {
  it('shows JSON as JSON', () => {
    expect(viewPayload(Buffer.from('{"event_id":"e1","n":[1,2]}'))).toEqual({
      kind: 'json',
      json: { event_id: 'e1', n: [1, 2] },
      bytes: 27,
    });
  });

  it('shows UTF-8 that is not JSON as text', () => {
    expect(viewPayload(Buffer.from('{"event_id":"é'))).toEqual({
      kind: 'text',
      text: '{"event_id":"é',
      bytes: 15,
    });
  });

  it('shows other bytes as hex, cut when very large', () => {
    expect(viewPayload(Uint8Array.of(0xff, 0x00, 0x41))).toEqual({
      kind: 'hex',
      hex: 'ff0041',
      bytes: 3,
      cut: false,
    });
    const big = viewPayload(Buffer.alloc(MAX_HEX_BYTES + 1, 0xfe));
    expect(big).toMatchObject({ kind: 'hex', bytes: MAX_HEX_BYTES + 1, cut: true });
    expect(big.kind === 'hex' && big.hex.length).toBe(MAX_HEX_BYTES * 2);
  });

  it('says when there is nothing', () => {
    expect(viewPayload(null)).toEqual({ kind: 'empty' });
    expect(viewPayload(new Uint8Array(0))).toEqual({ kind: 'empty' });
  });
});
