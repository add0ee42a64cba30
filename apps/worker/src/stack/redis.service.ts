// Redis from Debian's packages, bound to loopback, data under .sluice/data/redis.
import { existsSync, mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { urlPort } from './probes.ts';
import { StackError, type StackService } from './service.ts';

const BIN = '/usr/bin/redis-server';

export const redisService: StackService = {
  name: 'redis',
  startTimeoutMs: 15_000,
  stopGraceMs: 10_000,
  ports: (ctx) => [urlPort(ctx.env.REDIS_URL, 6379)],
  endpoint: (ctx) => ctx.env.REDIS_URL,

  async prepare(ctx) {
    if (!existsSync(BIN)) {
      throw new StackError(
        `Redis not found at ${BIN}. Install it: sudo apt-get install -y redis-server`,
      );
    }
    mkdirSync(ctx.paths.data('redis'), { recursive: true });
  },

  processes: (ctx) => [
    {
      name: 'redis',
      spec: {
        command: BIN,
        args: [
          '--bind',
          '127.0.0.1',
          '--port',
          String(urlPort(ctx.env.REDIS_URL, 6379)),
          '--dir',
          ctx.paths.data('redis'),
          '--daemonize',
          'no',
          '--save',
          '60 1000',
          '--maxmemory-policy',
          'noeviction',
        ],
      },
    },
  ],

  async health(ctx) {
    const client = new Redis(ctx.env.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    // Failures surface through connect(); without a listener ioredis also prints them.
    client.on('error', () => {});
    try {
      await client.connect();
      const pong = await client.ping();
      const info = await client.info('server');
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
      return { healthy: pong === 'PONG', detail: `Redis ${version}` };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    } finally {
      client.disconnect();
    }
  },
};
