// The error signature: what makes two dead letters "the same failure" in the DLQ inbox. It is the
// stage, the error class, the field path (when the stage names one) and the error message with
// everything that varies from one event to the next normalised away: quoted values, UUIDs, hex
// ids, times, addresses, numbers (offsets, positions, sizes). One signature is one thing to fix.
import { createHash } from 'node:crypto';

export interface SignatureInput {
  readonly stage: string;
  readonly errorClass: string;
  /**
   * Field path of an invalid event (`session_id`, `properties.items.3`). Part of the signature
   * because the validator's messages do not name the field: "expected string, received number"
   * on `session_id` and on `user_id` are two different producer bugs.
   */
  readonly path?: string | undefined;
  readonly message: string;
}

export interface ErrorSignature {
  /** 32 hex characters: fixed width, what the index groups and filters by. */
  readonly id: string;
  /** What an operator reads: `enrichment · InvalidEvent @ ip: not an IPv4 …`. */
  readonly text: string;
  /** The message alone, normalised. */
  readonly message: string;
}

/** Normalised messages are cut here: beyond it, two messages are the same failure. */
export const MAX_SIGNATURE_MESSAGE_CHARS = 300;

// Order matters: a quoted value may hold a UUID or a number, a UUID holds hex runs and digits,
// a time holds digits. Each rule replaces what it matches with a placeholder the later rules
// leave alone (no digits, no quotes, no hex run of eight).
const RULES: readonly (readonly [RegExp, string])[] = [
  // "…" and `…` anywhere; '…' only where it is not an apostrophe (can't, the user's).
  [/"(?:[^"\\]|\\.)*"/g, '<str>'],
  [/`(?:[^`\\]|\\.)*`/g, '<str>'],
  [/(?<![\p{L}\p{N}])'(?:[^'\\]|\\.)*'(?![\p{L}\p{N}])/gu, '<str>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Hex ids (object ids, hashes, trace ids): a run of 8 or more with a digit and a letter, so
  // that words such as "deadline" stay words and plain numbers stay numbers.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\d+(?:\.\d+)*/g, '<n>'],
  [/\s+/g, ' '],
];

export function normaliseErrorMessage(message: string): string {
  let text = message;
  for (const [pattern, placeholder] of RULES) text = text.replace(pattern, placeholder);
  text = text.trim();
  return text.length > MAX_SIGNATURE_MESSAGE_CHARS
    ? `${text.slice(0, MAX_SIGNATURE_MESSAGE_CHARS)}…`
    : text;
}

/** Array indices in a path vary per event; the field does not. */
function normalisePath(path: string): string {
  return path.replace(/\d+/g, '<n>');
}

export function errorSignature(input: SignatureInput): ErrorSignature {
  const message = normaliseErrorMessage(input.message);
  const path = input.path ? normalisePath(input.path) : '';
  const id = createHash('sha256')
    .update([input.stage, input.errorClass, path, message].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
  const where = path ? ` @ ${path}` : '';
  return {
    id,
    text: `${input.stage} · ${input.errorClass}${where}: ${message}`,
    message,
  };
}
