import { describe, expect, it } from 'vitest';
import { summariseByGroupTopic } from './group-topic-summary.ts';

const p = (
  topic: string,
  offsetLag: number,
  timeLagS: number | null,
  timeLagEstimated = false,
  status: 'OK' | 'WARN' | 'STOP' = 'OK',
  committedOffset: number | null = 0,
) => ({ group: 'g', topic, committedOffset, offsetLag, timeLagS, timeLagEstimated, status });

describe('summariseByGroupTopic', () => {
  it('takes max and sum of offset lag, the max known time lag, the worst status', () => {
    const out = summariseByGroupTopic([
      p('a', 10, 2),
      p('a', 30, null),
      p('a', 5, 9, true, 'WARN'),
      p('b', 0, 0),
    ]);
    expect(out).toEqual([
      {
        group: 'g',
        topic: 'a',
        partitions: 3,
        noCommitPartitions: 0,
        maxOffsetLag: 30,
        sumOffsetLag: 45,
        maxTimeLagS: 9,
        maxTimeLagEstimated: true,
        unknownTimeLagPartitions: 1,
        status: 'WARN',
      },
      {
        group: 'g',
        topic: 'b',
        partitions: 1,
        noCommitPartitions: 0,
        maxOffsetLag: 0,
        sumOffsetLag: 0,
        maxTimeLagS: 0,
        maxTimeLagEstimated: false,
        unknownTimeLagPartitions: 0,
        status: 'OK',
      },
    ]);
  });

  it('has a null time lag when no partition has one', () => {
    expect(summariseByGroupTopic([p('a', 3, null)])[0]?.maxTimeLagS).toBeNull();
  });

  it('counts partitions without a commit, whose lag from the log start is in max and sum', () => {
    const [s] = summariseByGroupTopic([
      p('a', 10, 2),
      p('a', 500, null, false, 'STOP', null),
      p('a', 0, 0, false, 'OK', null),
    ]);
    expect(s).toMatchObject({
      partitions: 3,
      noCommitPartitions: 2,
      maxOffsetLag: 500,
      sumOffsetLag: 510,
      status: 'STOP',
    });
  });
});
