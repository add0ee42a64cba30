import { describe, expect, it } from 'vitest';
import { backpressure, flushDecision } from './batch-policy.ts';

const policy = { maxRecords: 100, maxBytes: 1000, maxAgeMs: 500 };

describe('flushDecision', () => {
  it('waits with an empty buffer, without a timer', () => {
    expect(flushDecision(policy, { records: 0, bytes: 0, oldestAtMs: null }, 0)).toEqual({
      flush: false,
      waitMs: null,
    });
  });

  it('flushes at the record count, the byte size or the age, whichever comes first', () => {
    expect(flushDecision(policy, { records: 100, bytes: 10, oldestAtMs: 0 }, 1)).toEqual({
      flush: true,
      reason: 'records',
    });
    expect(flushDecision(policy, { records: 5, bytes: 1000, oldestAtMs: 0 }, 1)).toEqual({
      flush: true,
      reason: 'bytes',
    });
    expect(flushDecision(policy, { records: 5, bytes: 10, oldestAtMs: 0 }, 500)).toEqual({
      flush: true,
      reason: 'age',
    });
  });

  it('says how long until the age limit', () => {
    expect(flushDecision(policy, { records: 5, bytes: 10, oldestAtMs: 1000 }, 1200)).toEqual({
      flush: false,
      waitMs: 300,
    });
  });
});

describe('backpressure', () => {
  it('pauses at the high mark and resumes only under half of it', () => {
    expect(backpressure(999, 1000, false)).toBe('keep');
    expect(backpressure(1000, 1000, false)).toBe('pause');
    expect(backpressure(600, 1000, true)).toBe('keep');
    expect(backpressure(499, 1000, true)).toBe('resume');
  });
});
