// What the browser tests read from the environment; the global setup publishes the server's
// address here for the test workers.
export const e2eEnv = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://sluice@127.0.0.1:5432/sluice',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
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
  publish(values: { baseUrl: string; schema: string }) {
    process.env.E2E_BASE_URL = values.baseUrl;
    process.env.E2E_DB_SCHEMA = values.schema;
  },
  /** The environment of the console under test. */
  serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...extra } as NodeJS.ProcessEnv;
  },
};

export const E2E_USERS = {
  admin: { email: 'admin@e2e.test', password: 'admin-password-e2e', role: 'admin' },
  operator: { email: 'operator@e2e.test', password: 'operator-password-e2e', role: 'operator' },
  viewer: { email: 'viewer@e2e.test', password: 'viewer-password-e2e', role: 'viewer' },
} as const;
