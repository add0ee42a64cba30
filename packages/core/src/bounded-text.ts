// Cuts text to a UTF-8 byte budget without splitting a character, so DLQ headers stay bounded
// and still decode cleanly.

const encoder = new TextEncoder();

export const TRUNCATION_MARKER = '\n…[truncated]';

/** Text within `maxBytes` UTF-8 bytes; when cut, ends with `marker`, which counts in the budget. */
export function truncateUtf8(text: string, maxBytes: number, marker = TRUNCATION_MARKER): string {
  // Fewer UTF-16 units than a third of the budget cannot exceed it: skip the encoding.
  if (text.length * 3 <= maxBytes) return text;
  const scratch = new Uint8Array(maxBytes);
  if (encoder.encodeInto(text, scratch).read === text.length) return text;
  const markerBytes = encoder.encode(marker).byteLength;
  if (markerBytes >= maxBytes) return '';
  // encodeInto never writes a partial character, so `read` is always a clean cut; it also never
  // stops inside a surrogate pair.
  const { read } = encoder.encodeInto(text, scratch.subarray(0, maxBytes - markerBytes));
  return text.slice(0, read) + marker;
}

/** Keeps at most `maxLines` lines (a stack's first frames matter most), then the byte budget. */
export function truncateStack(stack: string, maxLines: number, maxBytes: number): string {
  let end = -1;
  for (let i = 0; i < maxLines; i++) {
    end = stack.indexOf('\n', end + 1);
    if (end === -1) return truncateUtf8(stack, maxBytes);
  }
  return truncateUtf8(stack.slice(0, end) + TRUNCATION_MARKER, maxBytes);
}
