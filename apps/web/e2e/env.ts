// What the browser tests read from the environment; the global setup publishes the server's
// address here for the test workers.
import { type PipelineNames, pipelineNames } from '@sluice/core';

export const e2eEnv = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://sluice@127.0.0.1:5432/sluice',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  searchUrl: process.env.SEARCH_URL ?? 'http://127.0.0.1:9200',
  get baseUrl(): string {
    const url = process.env.E2E_BASE_URL;
    if (!url) throw new Error('E2E_BASE_URL is not set: run through `pnpm test:e2e`');
    return url;
  },
  /** The database schema the console under test reads. */
  get schema(): string {
    const schema = process.env.E2E_DB_SCHEMA;
    if (!schema) throw new Error('E2E_DB_SCHEMA is not set: run through `pnpm test:e2e`');
    return schema;
  },
  /**
   * The topic prefix of the run: the console under test reads the pipeline under it, so its
   * stage controls and resets act on the run's own groups, never on a developer's pipeline.
   */
  get prefix(): string {
    const prefix = process.env.E2E_TOPIC_PREFIX;
    if (!prefix) throw new Error('E2E_TOPIC_PREFIX is not set: run through `pnpm test:e2e`');
    return prefix;
  },
  /** REDIS_KEY_PREFIX of the console under test. */
  get redisPrefix(): string {
    const prefix = process.env.E2E_REDIS_PREFIX;
    if (!prefix) throw new Error('E2E_REDIS_PREFIX is not set: run through `pnpm test:e2e`');
    return prefix;
  },
  /** SEARCH_ERRORS_INDEX of the console under test: the run's own index. */
  get searchIndex(): string {
    const index = process.env.E2E_SEARCH_INDEX;
    if (!index) throw new Error('E2E_SEARCH_INDEX is not set: run through `pnpm test:e2e`');
    return index;
  },
  /** The pipeline's topic and group names under the run's prefix. */
  get names(): PipelineNames {
    return pipelineNames(this.prefix);
  },
  /** The consumer group the global setup left with committed offsets and lag, and its topic. */
  get kafka(): { group: string; topic: string } {
    const group = process.env.E2E_KAFKA_GROUP;
    const topic = process.env.E2E_KAFKA_TOPIC;
    if (!group || !topic)
      throw new Error('E2E_KAFKA_GROUP is not set: run through `pnpm test:e2e`');
    return { group, topic };
  },
  publish(values: {
    baseUrl: string;
    schema: string;
    prefix: string;
    redisPrefix: string;
    searchIndex: string;
    kafka: { group: string; topic: string };
  }) {
    process.env.E2E_BASE_URL = values.baseUrl;
    process.env.E2E_TOPIC_PREFIX = values.prefix;
    process.env.E2E_DB_SCHEMA = values.schema;
    process.env.E2E_REDIS_PREFIX = values.redisPrefix;
    process.env.E2E_SEARCH_INDEX = values.searchIndex;
    process.env.E2E_KAFKA_GROUP = values.kafka.group;
    process.env.E2E_KAFKA_TOPIC = values.kafka.topic;
  },
  /** The environment of the console under test. */
  serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...extra } as NodeJS.ProcessEnv;
  },
  /** The environment of the `sluice` commands and workers the suite runs. */
  cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...extra } as NodeJS.ProcessEnv;
  },
};

export const E2E_USERS = {
  admin: { email: 'admin@e2e.test', password: 'admin-password-e2e', role: 'admin' },
  operator: { email: 'operator@e2e.test', password: 'operator-password-e2e', role: 'operator' },
  viewer: { email: 'viewer@e2e.test', password: 'viewer-password-e2e', role: 'viewer' },
} as const;

/** The real consumer group's traffic: consumed and committed on every partition, then a backlog
 *  produced after its worker stopped. */
export const E2E_KAFKA = { partitions: 12, consumed: 3000, backlog: 240 } as const;
