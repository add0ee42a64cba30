import { describe, expect, it } from 'vitest';
import { offsetLag, samplePosition } from './offset-lag.ts';

describe('offsetLag', () => {
  it('counts from the committed offset when there is one', () => {
    expect(offsetLag({ committedOffset: 40, logStartOffset: 10, endOffset: 100 })).toEqual({
      position: 40,
      offsetLag: 60,
      noCommit: false,
    });
  });

  it('counts from the log start when nothing is committed', () => {
    expect(offsetLag({ committedOffset: null, logStartOffset: 10, endOffset: 100 })).toEqual({
      position: 10,
      offsetLag: 90,
      noCommit: true,
    });
  });

  it('is every record of a partition never trimmed by retention', () => {
    expect(offsetLag({ committedOffset: null, logStartOffset: 0, endOffset: 7 })?.offsetLag).toBe(
      7,
    );
  });

  it('is 0 for an empty partition without a commit, and still says no commit', () => {
    expect(offsetLag({ committedOffset: null, logStartOffset: 5, endOffset: 5 })).toEqual({
      position: 5,
      offsetLag: 0,
      noCommit: true,
    });
  });

  it('is never negative (a commit past the last stable offset)', () => {
    expect(offsetLag({ committedOffset: 12, logStartOffset: 0, endOffset: 10 })?.offsetLag).toBe(0);
  });

  it('commits count even when the log start is unknown', () => {
    expect(offsetLag({ committedOffset: 3, logStartOffset: null, endOffset: 10 })?.offsetLag).toBe(
      7,
    );
  });

  it('is unknown without a commit and without a log start', () => {
    expect(offsetLag({ committedOffset: null, logStartOffset: null, endOffset: 10 })).toBeNull();
  });
});

describe('samplePosition', () => {
  it('is the committed offset of a committed sample', () => {
    expect(samplePosition({ committedOffset: 40, endOffset: 100, offsetLag: 60 })).toBe(40);
  });

  it('is the log start a no-commit sample was counted from', () => {
    const lag = offsetLag({ committedOffset: null, logStartOffset: 10, endOffset: 100 });
    expect(
      samplePosition({ committedOffset: null, endOffset: 100, offsetLag: lag?.offsetLag ?? null }),
    ).toBe(10);
  });

  it('is unknown for a row with neither', () => {
    expect(samplePosition({ committedOffset: null, endOffset: 100, offsetLag: null })).toBeNull();
  });
});
