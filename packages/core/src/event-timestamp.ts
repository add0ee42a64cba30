// Normalises an event's `timestamp` (ISO-8601 string or epoch milliseconds) to both forms. Event
// time decides every window downstream, so anything ambiguous is rejected rather than guessed:
// an ISO string must carry its offset (core knows no local time zone), and epoch values outside
// the configured range are refused, which catches producers that send epoch *seconds*.

export interface NormalisedTimestamp {
  readonly ms: number;
  readonly iso: string;
}

export interface TimestampRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** 2000-01-01T00:00:00Z up to 2100-01-01T00:00:00Z. Epoch seconds of today fall below the min. */
export const DEFAULT_TIMESTAMP_RANGE: TimestampRange = {
  minMs: 946_684_800_000,
  maxMs: 4_102_444_800_000,
};

export type TimestampResult =
  | { readonly ok: true; readonly value: NormalisedTimestamp }
  | { readonly ok: false; readonly message: string };

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})$/;

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; Date.UTC is pure arithmetic.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseIso(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  // Date.parse silently rolls 2024-02-30 over to March; check the calendar ourselves.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (offset !== undefined && offset !== 'Z' && offset !== 'z') {
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

export function normaliseTimestamp(
  input: unknown,
  range: TimestampRange = DEFAULT_TIMESTAMP_RANGE,
): TimestampResult {
  let ms: number | undefined;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) {
      return { ok: false, message: 'epoch timestamp must be an integer number of milliseconds' };
    }
    ms = input;
  } else if (typeof input === 'string') {
    ms = parseIso(input);
    if (ms === undefined) {
      return { ok: false, message: 'timestamp must be ISO-8601 with a time zone offset' };
    }
  } else {
    return { ok: false, message: 'timestamp must be an ISO-8601 string or epoch milliseconds' };
  }
  if (ms < range.minMs || ms > range.maxMs) {
    return {
      ok: false,
      message: `timestamp ${ms} is outside the accepted range [${range.minMs}, ${range.maxMs}] (epoch seconds instead of milliseconds?)`,
    };
  }
  return { ok: true, value: { ms, iso: new Date(ms).toISOString() } };
}
