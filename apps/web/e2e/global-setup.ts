// Starts the built console (`next start`) on a free port against a new schema, seeded with
// users of each role and a little data; stops it and drops the schema afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAuth, createUser } from '@sluice/auth';
import {
  auditLog,
  createDb,
  lagSamples,
  quoteIdent,
  runMigrations,
  windowAggregates,
} from '@sluice/db';
import { E2E_USERS, e2eEnv } from './env.ts';

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

async function seed(db: ReturnType<typeof createDb>, secret: string) {
  const auth = createAuth({
    db,
    secret,
    baseURL: 'http://127.0.0.1',
    trustedOrigins: [],
    sessionTtlSeconds: 3600,
  });
  for (const u of Object.values(E2E_USERS)) await createUser(auth, u);
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const sketch = Buffer.from([0]);
  await db.insert(windowAggregates).values(
    [0, 1, 2].flatMap((p) =>
      [1, 2, 3].map((ago) => ({
        windowStart: new Date(minute - ago * 60_000),
        windowSize: '1m',
        type: 'pageview',
        sourcePartition: p,
        count: 100 * (p + 1),
        uniqueUsersSketch: sketch,
        uniqueUsersEstimate: 10 * (p + 1),
      })),
    ),
  );
  await db.insert(lagSamples).values(
    [10, 8, 6, 2, 1].map((ago, i) => ({
      sampledAt: new Date(minute - ago * 60_000),
      groupId: 'storage-writers',
      topic: 'events.enriched',
      partition: 0,
      endOffset: 1000,
      offsetLag: 500 - i * 100,
      timeLagS: 30 - i * 5,
      status: 'OK',
    })),
  );
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
  const schema = `e2e_${Date.now().toString(36)}`;
  const secret = randomBytes(32).toString('base64url');
  await runMigrations({ url: e2eEnv.databaseUrl, schema });
  const db = createDb({ url: e2eEnv.databaseUrl, searchPath: schema, maxConnections: 2 });
  await seed(db, secret);

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spawn('node_modules/.bin/next', ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: e2eEnv.serverEnv({
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_SCHEMA: schema,
      BETTER_AUTH_SECRET: secret,
      BETTER_AUTH_URL: baseUrl,
      // The suite signs in more often than the per-IP limit allows.
      AUTH_RATE_LIMIT: 'off',
      NEXT_TELEMETRY_DISABLED: '1',
    }),
  });
  await waitForServer(`${baseUrl}/sign-in`, server, 60_000);
  e2eEnv.publish({ baseUrl });

  return async () => {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
    await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(`${schema}_drizzle`)} CASCADE`);
    await db.$client.end();
  };
}
