// For router integration tests: a fresh PostgreSQL schema with every migration applied, a Redis
// key prefix of its own, real db, auth and Redis clients bound to them, the pipeline's names and
// window sizes (the defaults unless a suite configures its own), and callers signed in as each
// role (or as nobody).
import { createAuth, type Role } from '@sluice/auth';
import { createDb, quoteIdent, runMigrations } from '@sluice/db';
import type {
  KafkaAdminReader,
  OffsetResetClient,
  StageControlClient,
  TopicBrowser,
} from '@sluice/kafka';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import { TRPCError } from '@trpc/server';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type ConsolePipelineConfig, consolePipeline } from './pipeline.ts';
import { createRealtimeReader, type RealtimeReader } from './realtime-reader.ts';
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

/** The control channel as with a broker that is down: every call fails. */
export const unreachableControls: StageControlClient = {
  list: () => Promise.reject(new Error('broker down')),
  set: () => Promise.reject(new Error('broker down')),
  close: () => Promise.resolve(),
};

/** Topics and records as with a broker that is down: every read fails. */
export const unreachableTopics: TopicBrowser = {
  listTopics: () => Promise.reject(new Error('broker down')),
  describeTopic: () => Promise.reject(new Error('broker down')),
  readPage: () => Promise.reject(new Error('broker down')),
  findRecord: () => Promise.reject(new Error('broker down')),
  close: () => Promise.resolve(),
};

/** Offset resets as with a broker that is down. */
export const unreachableOffsets: OffsetResetClient = {
  plan: () => Promise.reject(new Error('broker down')),
  apply: () => Promise.reject(new Error('broker down')),
};

export interface HarnessOptions {
  /** Replaces the reader of the harness's own Redis prefix (e.g. one for a Redis that is down). */
  realtime?: RealtimeReader;
  /** The configured pipeline (SLUICE_TOPIC_PREFIX, AGG_WINDOWS, LAG_WARN_*); default: unset. */
  pipeline?: ConsolePipelineConfig;
  /** The control channel (stage states); default: one that is down. */
  controls?: StageControlClient;
  /** Topics and records; default: a broker that is down. */
  topics?: TopicBrowser;
  /** Offset resets; default: a broker that is down. */
  offsets?: OffsetResetClient;
}

export async function createRouterHarness(
  kafka: KafkaAdminReader = unreachableKafka,
  options: HarnessOptions = {},
) {
  const schema = uniqueName('web_test');
  // Suites write the keys the storage writers would, under a prefix no other suite uses.
  const redisPrefix = `${schema}:`;
  const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: 1 });
  const realtime = options.realtime ?? createRealtimeReader(redis, redisPrefix);
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
  const pipeline = consolePipeline(options.pipeline);
  const as = (user: SessionUser | null, now?: () => Date) =>
    createCaller(
      createContextInner({
        db,
        auth,
        kafka,
        controls: options.controls ?? unreachableControls,
        offsets: options.offsets ?? unreachableOffsets,
        throughput,
        realtime,
        topics: options.topics ?? unreachableTopics,
        pipeline,
        user,
        ...(now ? { now } : {}),
      }),
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
    /** A client of the test's Redis and the prefix every key must carry. */
    redis,
    redisPrefix,
    pipeline,
    anonymous: as(null),
    viewer: as(userWith('viewer')),
    operator: as(userWith('operator')),
    admin: as(userWith('admin')),
    as,
    async close() {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
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

/** The tRPC error code a call ends with ('OK' when it succeeds). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
}
