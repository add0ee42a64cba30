// Properties of timestamp normalisation (fast-check): an ISO-8601 string and epoch milliseconds
// of the same instant normalise to the same value, for every instant the range admits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMESTAMP_RANGE, normaliseTimestamp } from './event-timestamp.ts';

/** Every instant with a four-digit year, as toISOString writes them (0000-01-01 … 9999-12-31). */
const FOUR_DIGIT_YEARS = {
  minMs: Date.parse('0000-01-01T00:00:00.000Z'),
  maxMs: Date.parse('9999-12-31T23:59:59.999Z'),
};

const roundTrips = (ms: number, range = DEFAULT_TIMESTAMP_RANGE) => {
  const iso = new Date(ms).toISOString();
  const fromIso = normaliseTimestamp(iso, range);
  const fromMs = normaliseTimestamp(ms, range);
  expect(fromIso).toEqual({ ok: true, value: { ms, iso } });
  expect(fromMs).toEqual(fromIso);
};

describe('normaliseTimestamp properties', () => {
  it('reads ISO-8601 and epoch milliseconds of the same instant alike, across the default range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: DEFAULT_TIMESTAMP_RANGE.minMs, max: DEFAULT_TIMESTAMP_RANGE.maxMs }),
        (ms) => roundTrips(ms),
      ),
      { numRuns: 2000 },
    );
  });

  // BUG (event-timestamp.ts, parseIso: `Date.UTC(year, month - 1, …)` and daysInMonth's
  // `Date.UTC(year, month, 0)`): Date.UTC maps years 0–99 to 1900–1999, so with a range that
  // admits them '0050-06-01T00:00:00Z' normalises to 1950-06-01 and '0000-02-29' (a leap day in
  // the proleptic Gregorian calendar) is refused. Unreachable with the default range (2000–2100)
  // and the worker sets no other, so it is latent. Marked `fails` so the suite stays green while
  // it shows the bug: once parseIso builds the date with setUTCFullYear, this test fails as a
  // reminder to drop `.fails`.
  it.fails('reads them alike for every four-digit year when the range admits it', () => {
    fc.assert(
      fc.property(fc.integer({ min: FOUR_DIGIT_YEARS.minMs, max: FOUR_DIGIT_YEARS.maxMs }), (ms) =>
        roundTrips(ms, FOUR_DIGIT_YEARS),
      ),
      {
        numRuns: 2000,
        examples: [
          [Date.parse('0050-06-01T00:00:00.000Z')],
          [Date.parse('0000-02-29T00:00:00.000Z')],
        ],
      },
    );
  });
});
