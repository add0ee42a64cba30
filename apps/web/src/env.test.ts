import { describe, expect, it } from 'vitest';
import { parseEnv } from './env.ts';

const base = { BETTER_AUTH_SECRET: 's'.repeat(40) };

describe('parseEnv: the pipeline the console reads', () => {
  it('defaults as the worker does: no prefix, 1m,5m,1h, no thresholds', () => {
    const e = parseEnv(base);
    expect(e.topicPrefix).toBe('');
    expect(e.windowSizes.map((s) => s.name)).toEqual(['1m', '5m', '1h']);
    expect(e.lagThresholds).toEqual({});
  });

  it('takes the prefix, the window sizes (smallest first) and the lag thresholds', () => {
    const e = parseEnv({
      ...base,
      SLUICE_TOPIC_PREFIX: 'staging.',
      AGG_WINDOWS: '1h,30s',
      LAG_WARN_OFFSET_LAG: '5000',
      LAG_WARN_TIME_LAG_S: '60',
    });
    expect(e.topicPrefix).toBe('staging.');
    expect(e.windowSizes).toEqual([
      { name: '30s', ms: 30_000 },
      { name: '1h', ms: 3_600_000 },
    ]);
    expect(e.lagThresholds).toEqual({ maxOffsetLag: 5000, maxTimeLagS: 60 });
  });

  it('names each bad variable', () => {
    expect(() =>
      parseEnv({ ...base, SLUICE_TOPIC_PREFIX: 'no spaces', AGG_WINDOWS: '5 minutes' }),
    ).toThrow(/SLUICE_TOPIC_PREFIX: .*\n.*AGG_WINDOWS: window sizes such as 1m,5m,1h/);
  });
});
