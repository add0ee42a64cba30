// How the original bytes of a dead letter are shown to an operator (CLI `sluice dlq show` and
// the console's detail view): as JSON when they parse, else as text when they are UTF-8, else as
// hex. The bytes themselves are never changed; this is only their reading.
import { Buffer, isUtf8 } from 'node:buffer';

export type PayloadView =
  | { readonly kind: 'empty' }
  | { readonly kind: 'json'; readonly json: unknown; readonly bytes: number }
  | { readonly kind: 'text'; readonly text: string; readonly bytes: number }
  | { readonly kind: 'hex'; readonly hex: string; readonly bytes: number; readonly cut: boolean };

/** Hex of very large binary payloads is cut here (two characters per byte). */
export const MAX_HEX_BYTES = 64 * 1024;

export function viewPayload(bytes: Uint8Array | null): PayloadView {
  if (bytes === null || bytes.byteLength === 0) return { kind: 'empty' };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(b)) {
    const text = b.toString('utf8');
    try {
      return { kind: 'json', json: JSON.parse(text), bytes: b.byteLength };
    } catch {
      return { kind: 'text', text, bytes: b.byteLength };
    }
  }
  const cut = b.byteLength > MAX_HEX_BYTES;
  return {
    kind: 'hex',
    hex: b.subarray(0, MAX_HEX_BYTES).toString('hex'),
    bytes: b.byteLength,
    cut,
  };
}
