import { describe, expect, it } from 'vitest';
import {
  errorSignature,
  MAX_SIGNATURE_MESSAGE_CHARS,
  normaliseErrorMessage,
} from './error-signature.ts';

describe('normaliseErrorMessage', () => {
  it.each([
    [
      'JSON positions',
      "Expected ',' or '}' after property value in JSON at position 100 (line 1 column 101)",
      'Expected <str> or <str> after property value in JSON at position <n> (line <n> column <n>)',
    ],
    [
      'quoted input',
      `Unexpected token 'o', "not json at all" is not valid JSON`,
      'Unexpected token <str>, <str> is not valid JSON',
    ],
    ['backquotes', 'unknown field `x_debug`', 'unknown field <str>'],
    [
      'uuids',
      'event 3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f already stored',
      'event <uuid> already stored',
    ],
    [
      'hex ids and 0x values',
      'object 65a1f0c2e4b0a1b2c3d4e5f6 at 0x7ffd1234 missing',
      'object <hex> at <hex> missing',
    ],
    [
      'offsets and partitions',
      'events.raw[3]@184467 could not be written after 3 attempts',
      'events.raw[<n>]@<n> could not be written after <n> attempts',
    ],
    [
      'times and addresses',
      'connect ECONNREFUSED 10.0.0.12:5432 at 2026-03-01T10:00:00.123Z',
      'connect ECONNREFUSED <ip> at <time>',
    ],
    [
      'the timestamp range',
      'timestamp 0 is outside the accepted range [946684800000, 4102444800000] (epoch seconds instead of milliseconds?)',
      'timestamp <n> is outside the accepted range [<n>, <n>] (epoch seconds instead of milliseconds?)',
    ],
    ['runs of white space', '  too\n\tmany   spaces ', 'too many spaces'],
  ])('normalises %s', (_what, message, expected) => {
    expect(normaliseErrorMessage(message)).toBe(expected);
  });

  it('keeps apostrophes and words that happen to be hex letters', () => {
    expect(normaliseErrorMessage("can't reach the store's deadline, accessed 3 times")).toBe(
      "can't reach the store's deadline, accessed <n> times",
    );
  });

  it('keeps the validator pattern the same for every event (it is not per-event data)', () => {
    const m = 'Invalid string: must match pattern /^[A-Za-z][A-Za-z0-9_.:-]*$/';
    expect(normaliseErrorMessage(m)).toBe(normaliseErrorMessage(m));
    expect(normaliseErrorMessage(m)).toContain('must match pattern');
  });

  it('cuts very long messages', () => {
    const out = normaliseErrorMessage('x'.repeat(1000));
    expect(out.length).toBe(MAX_SIGNATURE_MESSAGE_CHARS + 1);
    expect(out.endsWith('…')).toBe(true);
  });
});

describe('errorSignature', () => {
  const base = { stage: 'enrichment', errorClass: 'InvalidEvent' };

  it('is the same for messages that differ only in per-event values', () => {
    const a = errorSignature({ ...base, message: 'row 12 of batch 8f3a9c21d7 refused' });
    const b = errorSignature({ ...base, message: 'row 9031 of batch 00aa11bb22 refused' });
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.text).toBe('enrichment · InvalidEvent: row <n> of batch <hex> refused');
  });

  it('differs by stage, error class, field path and message', () => {
    const one = errorSignature({ ...base, path: 'session_id', message: 'expected string' });
    const ids = new Set(
      [
        one,
        errorSignature({
          ...base,
          stage: 'storage:timescaledb',
          path: 'session_id',
          message: 'expected string',
        }),
        errorSignature({
          ...base,
          errorClass: 'TypeError',
          path: 'session_id',
          message: 'expected string',
        }),
        errorSignature({ ...base, path: 'user_id', message: 'expected string' }),
        errorSignature({ ...base, path: 'session_id', message: 'expected number' }),
      ].map((s) => s.id),
    );
    expect(ids.size).toBe(5);
    expect(one.text).toBe('enrichment · InvalidEvent @ session_id: expected string');
  });

  it('treats array indices in the path as per-event values', () => {
    const a = errorSignature({ ...base, path: 'properties.items.3.sku', message: 'too long' });
    const b = errorSignature({ ...base, path: 'properties.items.17.sku', message: 'too long' });
    expect(a.id).toBe(b.id);
  });

  it('cannot be forged by moving text between the parts', () => {
    const a = errorSignature({ stage: 'a', errorClass: 'b c', message: 'd' });
    const b = errorSignature({ stage: 'a b', errorClass: 'c', message: 'd' });
    expect(a.id).not.toBe(b.id);
  });
});
