import { describe, expect, it } from 'vitest';
import { topicProgress } from './group-progress.ts';

describe('topic progress of a group', () => {
  const ends = [
    { partition: 0, low: 0, high: 100 },
    { partition: 1, low: 10, high: 50 },
    { partition: 2, low: 0, high: 0 },
  ];

  it('sums committed offsets against the ends', () => {
    const p = topicProgress(
      ends,
      new Map([
        [0, 60],
        [1, 50],
      ]),
    );
    expect(p).toEqual({ committed: 110, end: 150, lag: 40, logStart: 10, started: true });
  });

  it('counts a partition without a commit (absent or -1) from its log start, not from 0', () => {
    expect(topicProgress(ends, new Map([[1, -1]]))).toEqual({
      committed: 10,
      end: 150,
      lag: 140,
      logStart: 10,
      started: false,
    });
  });

  it('has not started while every commit is at the log start', () => {
    expect(
      topicProgress(
        ends,
        new Map([
          [0, 0],
          [1, 10],
          [2, 0],
        ]),
      ).started,
    ).toBe(false);
    expect(topicProgress(ends, new Map([[0, 1]])).started).toBe(true);
  });

  it('is caught up when every partition is at its end', () => {
    expect(
      topicProgress(
        ends,
        new Map([
          [0, 100],
          [1, 50],
        ]),
      ).lag,
    ).toBe(0);
  });
});
