// The console's configuration: every environment variable the web server reads is declared and
// validated here, once, on first use (not at import: `next build` imports modules without a
// runtime environment). A bad value fails the request with a message naming the variable.
import { authEnvShape, devSecretPath, resolveAuthSecret } from '@sluice/auth';
import {
  parseWindowSizes,
  pipelineEnvShape,
  type StatusThresholds,
  type WindowSize,
} from '@sluice/core';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  ...authEnvShape,
  // The pipeline's topic and group prefix and the window sizes: the workers read the same.
  ...pipelineEnvShape,
  // The lag monitor's status thresholds (the worker's variables), to say which one a WARN crossed.
  LAG_WARN_OFFSET_LAG: positiveInt.optional(),
  LAG_WARN_TIME_LAG_S: positiveInt.optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://sluice@127.0.0.1:5432/sluice'),
  // Tables in a schema other than public (end-to-end tests run against their own schema).
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'a comma-separated list of host:port')
    .default('127.0.0.1:9092'),
  // Live metrics written by the storage writers; the same variables and defaults as the worker.
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().max(100).default('sluice:'),
  // The search index of error events, for the event trace; the worker's variables and defaults.
  SEARCH_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9200'),
  SEARCH_ERRORS_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,200}$/, 'a lower-case index name')
    .default('sluice-errors'),
  // The console's public URL. Required in production, where it decides the cookie's Secure flag.
  BETTER_AUTH_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Extra origins allowed to sign in (comma-separated), e.g. a reverse proxy's host name.
  TRUSTED_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 7)
    .default(8),
  AUTH_RATE_LIMIT: z.enum(['on', 'off']).default('on'),
  // How many proxies of your own sit in front of the console (a load balancer, an ingress): the
  // client's address is the X-Forwarded-For entry the outermost of them appended. 0 (no proxy):
  // X-Forwarded-For is ignored, as any client can write it, and the TCP peer's address is used.
  // The sign-in rate limit and the audit log's source IP both follow it.
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
});

export interface WebEnv {
  databaseUrl: string;
  databaseSchema: string | undefined;
  kafkaBrokers: string[];
  redisUrl: string;
  redisKeyPrefix: string;
  searchUrl: string;
  searchErrorsIndex: string;
  topicPrefix: string;
  /** Smallest first. */
  windowSizes: WindowSize[];
  lagThresholds: StatusThresholds;
  authSecret: string;
  authUrl: string;
  trustedOrigins: string[];
  sessionTtlSeconds: number;
  authRateLimit: boolean;
  /** TRUST_PROXY: proxies of the operator's own in front of the console. */
  trustedProxyHops: number;
}

export function parseEnv(source: Record<string, string | undefined>): WebEnv {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.BETTER_AUTH_URL) {
    throw new Error('invalid configuration:\n  BETTER_AUTH_URL: required when NODE_ENV=production');
  }
  const authUrl = e.BETTER_AUTH_URL ?? `http://localhost:${e.PORT}`;
  const windows = parseWindowSizes(e.AGG_WINDOWS);
  if (!windows.ok) throw new Error(`invalid configuration:\n  AGG_WINDOWS: ${windows.message}`);
  // In development both loopback spellings reach the server; either may sign in.
  const local = production ? [] : [`http://localhost:${e.PORT}`, `http://127.0.0.1:${e.PORT}`];
  return {
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    kafkaBrokers: e.KAFKA_BROKERS.split(','),
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    searchUrl: e.SEARCH_URL,
    searchErrorsIndex: e.SEARCH_ERRORS_INDEX,
    topicPrefix: e.SLUICE_TOPIC_PREFIX,
    windowSizes: windows.sizes,
    lagThresholds: {
      ...(e.LAG_WARN_OFFSET_LAG ? { maxOffsetLag: e.LAG_WARN_OFFSET_LAG } : {}),
      ...(e.LAG_WARN_TIME_LAG_S ? { maxTimeLagS: e.LAG_WARN_TIME_LAG_S } : {}),
    },
    authSecret: resolveAuthSecret({
      secret: e.BETTER_AUTH_SECRET,
      production,
      devSecretFile: devSecretPath(e.SLUICE_HOME, process.cwd()),
    }),
    authUrl,
    trustedOrigins: [...new Set([new URL(authUrl).origin, ...local, ...e.TRUSTED_ORIGINS])],
    sessionTtlSeconds: Math.round(e.SESSION_TTL_HOURS * 3600),
    authRateLimit: e.AUTH_RATE_LIMIT === 'on',
    trustedProxyHops: e.TRUST_PROXY,
  };
}

let cached: WebEnv | undefined;

export function env(): WebEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
