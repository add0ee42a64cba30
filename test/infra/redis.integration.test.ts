// Redis round trip, including the HyperLogLog and TTL primitives the realtime metrics use.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';

const redis = new Redis(testEnv.redisUrl);
const key = uniqueName('it:redis');

afterAll(async () => {
  await redis.del(key, `${key}:hll`);
  redis.disconnect();
});

describe('Redis', () => {
  it('round-trips a value with a TTL', async () => {
    await redis.set(key, 'hello', 'EX', 60);
    expect(await redis.get(key)).toBe('hello');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('counts distinct members with a HyperLogLog', async () => {
    const members = Array.from({ length: 1000 }, (_, i) => `user-${i % 250}`);
    await redis.pfadd(`${key}:hll`, ...members);
    const estimate = await redis.pfcount(`${key}:hll`);
    // Redis's HyperLogLog has a standard error of 0.81%.
    expect(Math.abs(estimate - 250)).toBeLessThanOrEqual(10);
  });
});
