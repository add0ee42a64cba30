// Starts the built console (`next start`) on a free port against a new schema, Redis key prefix
// and topic prefix (SLUICE_TOPIC_PREFIX: the console's pipeline, so its stage controls and
// offset resets act on the run's own groups and control topic, never on a developer's
// pipeline), seeded with users of each role and data shaped as the workers write it (window
// partials with real HyperLogLog sketches, lag monitor polls of the run's groups, realtime
// metrics from a stand-in storage writer) and the pipeline's topics under the prefix with a real
// enrichment group that has committed offsets and lag on all 12 partitions, and dead letters
// (kafka-group.ts); stops it and removes the schema, keys, topics and groups afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAuth, createUser } from '@sluice/auth';
import { HyperLogLog, pipelineNames } from '@sluice/core';
import {
  auditLog,
  createDb,
  lagSamples,
  quoteIdent,
  runMigrations,
  windowAggregates,
} from '@sluice/db';
import { startDemoWriter } from './demo-writer.ts';
import { E2E_USERS, e2eEnv } from './env.ts';
import { seedConsumerGroup } from './kafka-group.ts';

const appDir = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitForServer(url: string, server: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited with ${server.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`console did not answer at ${url} within ${timeoutMs} ms`);
}

async function seed(db: ReturnType<typeof createDb>, secret: string, prefix: string) {
  const auth = createAuth({
    db,
    secret,
    baseURL: 'http://127.0.0.1',
    trustedOrigins: [],
    sessionTtlSeconds: 3600,
  });
  for (const u of Object.values(E2E_USERS)) await createUser(auth, u);
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  // Partition p saw users 40p .. 40p+59: neighbours overlap, so the merged count (140) is
  // neither the sum (180) nor the largest partition (60).
  const sketchOf = (p: number) => {
    const h = new HyperLogLog();
    for (let u = 40 * p; u < 40 * p + 60; u++) h.add(`user-${u}`);
    return {
      uniqueUsersSketch: Buffer.from(h.toBytes()),
      uniqueUsersEstimate: Math.round(h.estimate()),
    };
  };
  await db.insert(windowAggregates).values(
    [0, 1, 2].flatMap((p) =>
      [1, 2, 3].map((ago) => ({
        windowStart: new Date(minute - ago * 60_000),
        windowSize: '1m',
        type: 'pageview',
        sourcePartition: p,
        count: 100 * (p + 1),
        lateAccepted: ago === 2 ? p : 0,
        ...sketchOf(p),
      })),
    ),
  );
  // The lag monitor's polls every 10 s over the last 20 minutes, 12 partitions per topic, with
  // a hole from 12 to 9 minutes ago (monitor down). events.raw grows 50 records per partition
  // per poll (60/s), events.enriched 40 (48/s), aggregates 5 (6/s). The names are the run's.
  const { groups, topics } = pipelineNames(prefix);
  const pipeline = [
    { groupId: groups.enrichment, topic: topics.raw, perPoll: 50 },
    { groupId: groups.aggregation, topic: topics.enriched, perPoll: 40 },
    { groupId: groups.storage, topic: topics.enriched, perPoll: 40 },
    { groupId: groups.storage, topic: topics.aggregates, perPoll: 5 },
  ];
  const polls = Array.from({ length: 120 }, (_, i) => Date.now() - (120 - i) * 10_000).filter(
    (at) => at < Date.now() - 12 * 60_000 || at > Date.now() - 9 * 60_000,
  );
  const samples = polls.flatMap((at, i) =>
    pipeline.flatMap((g) =>
      Array.from({ length: 12 }, (_, partition) => {
        const end = Math.round(((at - (polls[0] as number)) / 10_000) * g.perPoll) + 1000;
        const lag = 20 + ((i * 7 + partition * 3) % 40);
        return {
          sampledAt: new Date(at),
          groupId: g.groupId,
          topic: g.topic,
          partition,
          endOffset: end,
          committedOffset: end - lag,
          offsetLag: lag,
          timeLagS: lag / 10,
          status: 'OK',
        };
      }),
    ),
  );
  for (let i = 0; i < samples.length; i += 1000) {
    await db.insert(lagSamples).values(samples.slice(i, i + 1000));
  }
  await db.insert(auditLog).values({
    actor: E2E_USERS.admin.email,
    action: 'user.create',
    target: E2E_USERS.viewer.email,
    affected: 1,
    details: { role: 'viewer' },
  });
}

export default async function globalSetup() {
  if (!existsSync(`${appDir}/.next/BUILD_ID`)) {
    throw new Error('no production build: run `pnpm --filter @sluice/web build` first');
  }
  const t0 = Date.now();
  const say = (message: string) =>
    process.stdout.write(`[global setup ${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
  const schema = `e2e_${Date.now().toString(36)}`;
  const redisPrefix = `${schema}:`;
  const topicPrefix = `${schema.replaceAll('_', '-')}.`;
  // The search index of error events the console reads and the run's storage writer fills.
  const searchIndex = `${schema.replaceAll('_', '-')}-errors`;
  const secret = randomBytes(32).toString('base64url');
  // Undone in reverse order, by the teardown or when a later step fails.
  const undo: (() => Promise<void> | void)[] = [];
  const teardown = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (err) {
        process.stderr.write(`global teardown: ${(err as Error).message}\n`);
      }
    }
  };
  try {
    say(
      `PostgreSQL schema ${schema}, Redis prefix ${redisPrefix}, topic prefix ${topicPrefix}, search index ${searchIndex}`,
    );
    undo.push(async () => {
      const res = await fetch(`${e2eEnv.searchUrl}/${searchIndex}`, { method: 'DELETE' });
      if (!res.ok && res.status !== 404) throw new Error(`deleting ${searchIndex}: ${res.status}`);
    });
    await runMigrations({ url: e2eEnv.databaseUrl, schema });
    const db = createDb({ url: e2eEnv.databaseUrl, searchPath: schema, maxConnections: 2 });
    undo.push(async () => {
      await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(`${schema}_drizzle`)} CASCADE`);
      await db.$client.end();
    });
    await seed(db, secret, topicPrefix);
    undo.push(await startDemoWriter(e2eEnv.redisUrl, redisPrefix));

    const kafka = await seedConsumerGroup({
      prefix: topicPrefix,
      redisPrefix,
      brokers: e2eEnv.kafkaBrokers,
      say,
    });
    undo.push(kafka.cleanup);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    say(`console on ${baseUrl}`);
    const server = spawn(
      'node_modules/.bin/next',
      ['start', '-p', String(port), '-H', '127.0.0.1'],
      {
        cwd: appDir,
        detached: true,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: e2eEnv.serverEnv({
          NODE_ENV: 'production',
          PORT: String(port),
          DATABASE_SCHEMA: schema,
          REDIS_URL: e2eEnv.redisUrl,
          REDIS_KEY_PREFIX: redisPrefix,
          SEARCH_URL: e2eEnv.searchUrl,
          SEARCH_ERRORS_INDEX: searchIndex,
          KAFKA_BROKERS: e2eEnv.kafkaBrokers.join(','),
          SLUICE_TOPIC_PREFIX: topicPrefix,
          BETTER_AUTH_SECRET: secret,
          BETTER_AUTH_URL: baseUrl,
          // The suite signs in more often than the per-IP limit allows.
          AUTH_RATE_LIMIT: 'off',
          NEXT_TELEMETRY_DISABLED: '1',
        }),
      },
    );
    undo.push(() => {
      if (server.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
    });
    await waitForServer(`${baseUrl}/sign-in`, server, 60_000);
    e2eEnv.publish({
      baseUrl,
      schema,
      prefix: topicPrefix,
      redisPrefix,
      searchIndex,
      kafka: { group: kafka.group, topic: kafka.topic },
    });
    say('ready');
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
