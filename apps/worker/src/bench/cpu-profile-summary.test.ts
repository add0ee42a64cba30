import { describe, expect, it } from 'vitest';
import { topSelfFrames } from './cpu-profile-summary.ts';

describe('top self frames of a CPU profile', () => {
  it('adds each sample time to the frame it landed in, largest first', () => {
    const frame = (id: number, functionName: string, url = '') => ({
      id,
      callFrame: { functionName, url, lineNumber: id * 10 - 1 },
    });
    const profile = {
      nodes: [frame(1, '(program)'), frame(2, 'parse', 'file:///a/event-parser.ts'), frame(3, '')],
      samples: [2, 2, 1, 3, 2],
      timeDeltas: [1000, 3000, 2000, 1000, 3000],
    };
    expect(topSelfFrames(profile, 2)).toEqual([
      { frame: 'parse event-parser.ts:20', selfMs: 7, share: 0.7 },
      { frame: '(program)', selfMs: 2, share: 0.2 },
    ]);
    expect(topSelfFrames(profile, 5)[2]?.frame).toBe('(anonymous)');
  });
});
