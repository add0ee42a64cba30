// For router integration tests: a fresh PostgreSQL schema with every migration applied, real
// db and auth clients bound to it, and callers signed in as each role (or as nobody).
import { createAuth, type Role } from '@sluice/auth';
import { createDb, quoteIdent, runMigrations } from '@sluice/db';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import pg from 'pg';
import type { KafkaAdminReader } from './kafka-admin.ts';
import { createCaller } from './root.ts';
import { createThroughputSampler } from './throughput-sampler.ts';
import { createContextInner, type SessionUser } from './trpc.ts';

/** Kafka is not under test in router suites: every call fails, as with a broker that is down. */
export const unreachableKafka: KafkaAdminReader = {
  endOffsets: () => Promise.reject(new Error('broker down')),
  committedOffsets: () => Promise.reject(new Error('broker down')),
  listGroups: () => Promise.reject(new Error('broker down')),
  describeGroup: () => Promise.reject(new Error('broker down')),
};

export async function createRouterHarness(kafka: KafkaAdminReader = unreachableKafka) {
  const schema = uniqueName('web_test');
  await runMigrations({ url: testEnv.databaseUrl, schema });
  const db = createDb({ url: testEnv.databaseUrl, searchPath: schema, maxConnections: 3 });
  const auth = createAuth({
    db,
    secret: 'router-test-secret-not-used-outside-tests-0123456789',
    baseURL: 'http://127.0.0.1:3999',
    trustedOrigins: ['http://127.0.0.1:3999'],
    sessionTtlSeconds: 3600,
    rateLimit: false,
  });
  const throughput = createThroughputSampler();
  const as = (user: SessionUser | null, now?: () => Date) =>
    createCaller(
      createContextInner({ db, auth, kafka, throughput, user, ...(now ? { now } : {}) }),
    );
  const userWith = (role: Role): SessionUser => ({
    id: `u-${role}`,
    email: `${role}@example.test`,
    name: role,
    role,
  });
  return {
    db,
    auth,
    schema,
    anonymous: as(null),
    viewer: as(userWith('viewer')),
    operator: as(userWith('operator')),
    admin: as(userWith('admin')),
    as,
    async close() {
      await db.$client.end();
      const client = new pg.Client({ connectionString: testEnv.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(`${schema}_drizzle`)} CASCADE`);
      await client.end();
    },
  };
}

export type RouterHarness = Awaited<ReturnType<typeof createRouterHarness>>;
