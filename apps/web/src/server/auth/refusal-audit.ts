// Refused tRPC calls (no session, too weak a role, a forged origin, bad input) go to the audit
// log next to the write actions, so an operator can see who probed what. The row is bounded
// whatever the request held: the input's shape (key names clipped, sizes) and the validation
// issues' paths, not the input's values (a refused users.create carries a password; only the
// error message, clipped, may quote what it refused), and at most PER_MINUTE rows per actor and
// minute, so a signed-out script cannot turn the audit table into a write amplifier; what the
// throttle held back is counted in the actor's next row.
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

export const REFUSED_ACTION = 'request.refused';

/** Codes that mean "refused": the request, not the server, was at fault. */
export const REFUSAL_CODES: ReadonlySet<TRPC_ERROR_CODE_KEY> = new Set([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'BAD_REQUEST',
  'PARSE_ERROR',
  'PAYLOAD_TOO_LARGE',
  'UNPROCESSABLE_CONTENT',
]);

const MAX_KEYS = 20;
const MAX_KEY_CHARS = 64;
const MAX_NESTED_KEYS = 5;
const MAX_NESTED_KEY_CHARS = 32;
const MAX_ISSUES = 10;
const MAX_TEXT = 200;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

export type ValueShape =
  | { kind: 'none' | 'number' | 'boolean' | 'other' }
  | { kind: 'string'; length: number }
  | { kind: 'array'; length: number }
  | { kind: 'object'; keyCount: number; keys: string[] };

export type InputShape =
  | ValueShape
  | { kind: 'object'; keyCount: number; fields: Record<string, ValueShape> };

/**
 * What the input looked like without a single value: its fields' kinds and sizes, and for a
 * field that is itself an object its first key names (where a `__proto__` would hide).
 */
export function inputShape(value: unknown): InputShape {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return valueShape(value);
  }
  const keys = Object.keys(value);
  // A null-prototype record: a key named "__proto__" stays a plain key here.
  const fields: Record<string, ValueShape> = Object.create(null);
  for (const key of keys.slice(0, MAX_KEYS)) {
    fields[clip(key, MAX_KEY_CHARS)] = valueShape((value as Record<string, unknown>)[key]);
  }
  return { kind: 'object', keyCount: keys.length, fields };
}

function valueShape(value: unknown): ValueShape {
  if (value === undefined || value === null) return { kind: 'none' };
  if (typeof value === 'string') return { kind: 'string', length: value.length };
  if (typeof value === 'number') return { kind: 'number' };
  if (typeof value === 'boolean') return { kind: 'boolean' };
  if (Array.isArray(value)) return { kind: 'array', length: value.length };
  if (typeof value !== 'object') return { kind: 'other' };
  const keys = Object.keys(value);
  return {
    kind: 'object',
    keyCount: keys.length,
    keys: keys.slice(0, MAX_NESTED_KEYS).map((k) => clip(k, MAX_NESTED_KEY_CHARS)),
  };
}

export interface Refusal {
  path: string;
  type: string;
  code: TRPC_ERROR_CODE_KEY;
  /** Why, in a word or two: no-session, role, csrf:<reason>, input, or the error's message. */
  reason: string;
  actor: string | null;
  sourceIp: string | null;
  origin: string | null;
  rawInput: unknown;
  /** Validation issues, when the input schema refused the call. */
  issues?: readonly { path: readonly PropertyKey[]; code: string }[];
}

export function refusalRow(r: Refusal, suppressedBefore = 0) {
  return {
    actor: r.actor ?? 'anonymous',
    action: REFUSED_ACTION,
    target: clip(r.path, MAX_TEXT),
    affected: 0,
    sourceIp: r.sourceIp === null ? null : clip(r.sourceIp, 64),
    details: {
      code: r.code,
      type: r.type,
      reason: clip(r.reason, MAX_TEXT),
      ...(r.origin !== null ? { origin: clip(r.origin, MAX_TEXT) } : {}),
      input: inputShape(r.rawInput),
      ...(r.issues
        ? {
            issues: r.issues.slice(0, MAX_ISSUES).map((i) => ({
              path: clip(i.path.map(String).join('.'), MAX_TEXT),
              code: clip(i.code, 64),
            })),
          }
        : {}),
      ...(suppressedBefore > 0 ? { suppressedBefore } : {}),
    },
  };
}

export type RefusalRow = ReturnType<typeof refusalRow>;

export interface RefusalThrottle {
  /** Whether to write this actor's refusal; if so, how many were held back before it. */
  admit(actor: string): { admitted: false } | { admitted: true; suppressedBefore: number };
}

export const PER_MINUTE = 30;
const MAX_ACTORS = 10_000;

/** Fixed one-minute windows per actor (an email, or "anonymous" for every signed-out caller). */
export function createRefusalThrottle(
  perMinute = PER_MINUTE,
  now: () => number = Date.now,
): RefusalThrottle {
  const windows = new Map<string, { start: number; count: number; suppressed: number }>();
  return {
    admit(actor) {
      const t = now();
      let w = windows.get(actor);
      let carried = 0;
      if (!w || t - w.start >= 60_000) {
        carried = w?.suppressed ?? 0;
        if (!w && windows.size >= MAX_ACTORS) windows.clear();
        w = { start: t, count: 0, suppressed: 0 };
        windows.set(actor, w);
      }
      if (w.count >= perMinute) {
        w.suppressed++;
        return { admitted: false };
      }
      w.count++;
      // The first row of a window also reports the previous window's held-back refusals.
      return { admitted: true, suppressedBefore: carried };
    },
  };
}
