import { describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { aggregatorConfig } from './aggregation-config.ts';

describe('aggregatorConfig', () => {
  it('reads the environment, flags first', () => {
    const env = loadEnv({ AGG_MAX_OUT_OF_ORDER: '10s', AGG_DIMENSIONS: 'country' });
    const c = aggregatorConfig(env, { windows: '5m,1m', allowedLateness: '2m' });
    expect(c.windows.map((w) => w.name)).toEqual(['1m', '5m']);
    expect(c.maxOutOfOrderMs).toBe(10_000);
    expect(c.allowedLatenessMs).toBe(120_000);
    expect(c.dimensions).toEqual(['country']);
    expect(c.sessionGapMs).toBe(30 * 60_000);
  });
  it('names the bad key', () => {
    expect(() => loadEnv({ AGG_MAX_OUT_OF_ORDER: '10' })).toThrow(/AGG_MAX_OUT_OF_ORDER/);
    expect(() => aggregatorConfig(loadEnv({}), { latePolicy: 'keep' })).toThrow(/--late-policy/);
  });
});
