// What the DLQ inbox can be filtered by, validated once for the CLI and the console alike, and
// the keyset cursor that pages through the entries in a stable order (newest failure first).
import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { parseDuration } from '../windows/window-size.ts';

/**
 * An entry's status: `new` until someone acts on it; `replayed` once a replay sent it (and it
 * reached its stores); `discarded` by an operator, with a reason; `failed-again` when a replay
 * was dead-lettered once more (the new failure is an entry of its own, linked to this one).
 */
export const DLQ_STATUSES = ['new', 'replayed', 'discarded', 'failed-again'] as const;
export type DlqStatus = (typeof DLQ_STATUSES)[number];

const name = z.string().min(1).max(200);
/** The year 9999: later times are not dates PostgreSQL (or JavaScript) holds. */
const MAX_TIME_MS = 253_402_300_799_999;
const time = z.number().int().nonnegative().max(MAX_TIME_MS);

/** Flat (no nesting), so that a URL's search parameters or a command line can carry it. */
export const dlqFilterSchema = z.object({
  stage: name.optional(),
  errorClass: name.optional(),
  eventType: name.optional(),
  signature: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'a signature id: 32 hex characters')
    .optional(),
  status: z.array(z.enum(DLQ_STATUSES)).min(1).max(DLQ_STATUSES.length).optional(),
  /** Failed at or after (epoch ms). */
  sinceMs: time.optional(),
  /** Failed before (epoch ms). */
  untilMs: time.optional(),
  /**
   * Case-insensitive, in the error message or the payload. At least three characters: shorter
   * text cannot use the trigram indexes and would scan every entry.
   */
  text: z.string().trim().min(3).max(200).optional(),
});

export type DlqFilter = z.infer<typeof dlqFilterSchema>;

export type SinceParse = { ok: true; ms: number } | { ok: false; message: string };

/** `--since`: a duration back from now (`90m`, `2h`, `7d`) or an ISO-8601 time. */
export function parseSince(value: string, nowMs: number): SinceParse {
  const d = parseDuration(value);
  if (d.ok) return { ok: true, ms: Math.max(0, nowMs - d.ms) };
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return { ok: true, ms };
  }
  return {
    ok: false,
    message: `${value} is neither a duration (30m, 2h, 7d) nor an ISO-8601 time`,
  };
}

/** Where a page ended: the last entry's failure time and id (ids break ties). */
export interface DlqCursor {
  readonly failedAtMs: number;
  readonly id: number;
}

export function encodeDlqCursor(c: DlqCursor): string {
  return Buffer.from(`${c.failedAtMs}:${c.id}`, 'utf8').toString('base64url');
}

export function decodeDlqCursor(text: string): DlqCursor | undefined {
  const m = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m) return undefined;
  const failedAtMs = Number(m[1]);
  const id = Number(m[2]);
  return Number.isSafeInteger(failedAtMs) && Number.isSafeInteger(id)
    ? { failedAtMs, id }
    : undefined;
}
