// Stage counters against the real Redis, under a key prefix of this run, with a TCP relay in
// front of Redis for the outage: cutting the relay is a Redis that went away, reopening it on the
// same port is Redis coming back.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import {
  realtimeKeys,
  STAGE_COUNT_TTL_S,
  stageCountBucket,
  stageRateBuckets,
  stageRatePerSecond,
} from '@sluice/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { createStageCounters, type StageCountersLog } from './stage-counters.ts';

const redisUrl = new URL(loadEnv().REDIS_URL);
const prefix = `stage_counters_test_${Date.now().toString(36)}_${process.pid}:`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(redisUrl.toString(), { maxRetriesPerRequest: 1 });
  // Ready before a test enters MONITOR on a duplicate of it. ioredis marks a connection as
  // monitoring only after MONITOR's reply has been handled; another client's command landing in
  // the same read (this one's ready check) was taken for a reply: "Command queue state error".
  await redis.ping();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** Log lines, for asserting what an outage told the operator. */
function recorder() {
  const lines: string[] = [];
  const log: StageCountersLog = (level, message) => lines.push(`${level} ${message}`);
  return { lines, log };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A relay to Redis on a port of its own that can be cut and reopened on the same port. */
async function startRelay() {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = tcpConnect(Number(redisUrl.port || 6379), redisUrl.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server?.address();
        if (address && typeof address === 'object') port = address.port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server?.close(() => resolve());
    });
  await open();
  return { url: () => `redis://127.0.0.1:${port}`, cut, reopen: open };
}

const get = (stage: string, metric: string, atMs: number) =>
  redis.get(realtimeKeys.stageCount(prefix, stage, metric, stageCountBucket(atMs)));

describe('stage counters', () => {
  it('add a flush worth of counts with one INCRBY per metric and bucket, with a TTL', async () => {
    const t = Date.now();
    const { lines, log } = recorder();
    const monitor = await redis.monitor();
    const incrby: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (
        args[0]?.toLowerCase() === 'incrby' &&
        args[1]?.startsWith(`${prefix}rt:stage:enrichment`)
      )
        incrby.push(`${args[1]} ${args[2]}`);
    });
    // A long interval: the adds below all land in one flush, the one close() makes.
    const counters = createStageCounters({
      redisUrl: redisUrl.toString(),
      prefix,
      stage: 'enrichment',
      workerId: 'w-1',
      log,
      now: () => t,
      flushIntervalMs: 60_000,
    });
    counters.add('in', 5);
    counters.add('in', 7);
    counters.add('out', 11);
    counters.add('dlq', 1);
    counters.add('dlq', 0);
    await counters.close();
    await waitFor('the monitor to see the flush', async () => incrby.length >= 3);
    monitor.disconnect();

    expect(await get('enrichment', 'in', t)).toBe('12');
    expect(await get('enrichment', 'out', t)).toBe('11');
    expect(await get('enrichment', 'dlq', t)).toBe('1');
    const bucket = stageCountBucket(t);
    expect(incrby.sort()).toEqual([
      `${prefix}rt:stage:enrichment:dlq:${bucket} 1`,
      `${prefix}rt:stage:enrichment:in:${bucket} 12`,
      `${prefix}rt:stage:enrichment:out:${bucket} 11`,
    ]);
    const ttl = await redis.ttl(realtimeKeys.stageCount(prefix, 'enrichment', 'in', bucket));
    expect(ttl).toBeGreaterThan(STAGE_COUNT_TTL_S - 60);
    expect(ttl).toBeLessThanOrEqual(STAGE_COUNT_TTL_S);
    expect(lines).toEqual([]);

    // What the console reads a minute on: 12 records in the minute, 0.2 per second.
    const buckets = stageRateBuckets(t + 60_000);
    expect(buckets).toContain(bucket);
    const counts = await redis.mget(
      buckets.map((b) => realtimeKeys.stageCount(prefix, 'enrichment', 'in', b)),
    );
    expect(stageRatePerSecond(counts)).toBeCloseTo(0.2, 9);
  });

  it('mark a running but idle stage with a zero `in`, so it reads as 0/s, not as absent', async () => {
    const t = Date.now();
    const counters = createStageCounters({
      redisUrl: redisUrl.toString(),
      prefix,
      stage: 'storage',
      now: () => t,
      flushIntervalMs: 50,
    });
    try {
      await waitFor('the heartbeat', async () => (await get('storage', 'in', t)) === '0');
    } finally {
      await counters.close();
    }
  });

  it('keep the counts through a Redis outage and add them once it is back', async () => {
    const relay = await startRelay();
    const { lines, log } = recorder();
    let t = Date.now();
    const counters = createStageCounters({
      redisUrl: relay.url(),
      prefix,
      stage: 'aggregation',
      log,
      now: () => t,
      flushIntervalMs: 50,
    });
    try {
      const t0 = t;
      counters.add('in', 3);
      await waitFor('the first count', async () => (await get('aggregation', 'in', t0)) === '3');

      await relay.cut();
      counters.add('in', 4);
      t += 10_000; // the outage spans a bucket boundary
      counters.add('late', 2);
      await waitFor('the failure to be logged', async () =>
        lines.some((l) =>
          l.startsWith('warn stage counters (aggregation): adding to Redis failed'),
        ),
      );
      expect(await get('aggregation', 'in', t0)).toBe('3');
      expect(await get('aggregation', 'late', t)).toBeNull();

      await relay.reopen();
      await waitFor('the kept counts', async () => (await get('aggregation', 'in', t0)) === '7');
      expect(await get('aggregation', 'late', t)).toBe('2');
      expect(lines.filter((l) => l.includes('adding to Redis failed'))).toHaveLength(1);
      expect(lines.at(-1)).toBe(
        'warn stage counters (aggregation): Redis is back, buffered counts added',
      );
    } finally {
      await counters.close();
      await relay.cut();
    }
  });

  it('bound what they keep while Redis is away, and never throw into the caller', async () => {
    const relay = await startRelay();
    await relay.cut(); // nothing listens on its port: every connection is refused
    const { lines, log } = recorder();
    let t = Date.now();
    const counters = createStageCounters({
      redisUrl: relay.url(),
      prefix,
      stage: 'storage',
      log,
      now: () => t,
      flushIntervalMs: 20,
      maxPendingKeys: 2,
    });
    for (let i = 0; i < 4; i++) {
      counters.add('out', 10);
      t += 10_000;
    }
    await waitFor('the drop to be logged', async () =>
      lines.some((l) => l.includes('records left uncounted')),
    );
    expect(lines.find((l) => l.includes('records left uncounted'))).toBe(
      'warn stage counters (storage): 20 records left uncounted, Redis away too long',
    );
    expect(() => counters.add('a:b', 1)).not.toThrow();
    expect(() => counters.add('out', -1)).not.toThrow();
    expect(() => counters.add('out', 1.5)).not.toThrow();
    expect(lines.filter((l) => l.startsWith('error '))).toHaveLength(3);
    await expect(counters.close()).resolves.toBeUndefined();
    expect(lines.at(-1)).toBe(
      'warn stage counters (storage): closed with 20 records not added to Redis',
    );
    expect(await redis.keys(`${prefix}rt:stage:storage:out:*`)).toEqual([]);
  });
});
