// Process-wide clients of the web server, created on first use: the database pool, the auth
// instance, the Kafka admin reader, the control channel, the throughput sampler, the Redis reader and the configured
// pipeline. Only the HTTP adapters import this module; routers receive these through the context.
import 'server-only';
import { createAuth, createAuthHandler } from '@sluice/auth';
import { createDb } from '@sluice/db';
import {
  createKafkaAdminReader,
  createOffsetResetClient,
  createStageControlClient,
  createTopicBrowser,
} from '@sluice/kafka';
import { env } from '../env.ts';
import { peerAddressOf } from './peer-address.ts';
import { consolePipeline } from './pipeline.ts';
import { connectRealtimeReader } from './realtime-reader.ts';
import { createThroughputSampler } from './throughput-sampler.ts';
import { redisTraceStores, searchTraceStores } from './trace-stores.ts';

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

export const getDb = once(() => {
  const e = env();
  return createDb({
    url: e.databaseUrl,
    ...(e.databaseSchema ? { searchPath: e.databaseSchema } : {}),
    maxConnections: 5,
  });
});

export const getAuth = once(() => {
  const e = env();
  return createAuth({
    db: getDb(),
    secret: e.authSecret,
    baseURL: e.authUrl,
    trustedOrigins: e.trustedOrigins,
    sessionTtlSeconds: e.sessionTtlSeconds,
    rateLimit: e.authRateLimit,
  });
});

/** Better Auth's HTTP handler, with the client's address decided by TRUST_PROXY. */
export const getAuthHandler = once(() =>
  createAuthHandler(getAuth(), {
    db: getDb(),
    rule: { trustedHops: env().trustedProxyHops },
    peerOf: (request) => peerAddressOf(request.headers),
  }),
);

export const getKafka = once(() => createKafkaAdminReader(env().kafkaBrokers));

export const getControls = once(() =>
  createStageControlClient({
    brokers: env().kafkaBrokers,
    clientId: 'sluice-console',
    topic: getPipeline().names.topics.control,
  }),
);

export const getOffsetResets = once(() => createOffsetResetClient(env().kafkaBrokers));

export const getThroughputSampler = once(() => createThroughputSampler());

export const getTopicBrowser = once(() => createTopicBrowser(env().kafkaBrokers));

export const getTraceStores = once(() => {
  const e = env();
  return {
    ...redisTraceStores(e.redisUrl, e.redisKeyPrefix),
    ...searchTraceStores(e.searchUrl, e.searchErrorsIndex),
  };
});

export const getRealtime = once(() => {
  const e = env();
  return connectRealtimeReader(e.redisUrl, e.redisKeyPrefix);
});

export const getPipeline = once(() => {
  const e = env();
  return consolePipeline({
    topicPrefix: e.topicPrefix,
    windowSizes: e.windowSizes,
    lagThresholds: e.lagThresholds,
  });
});
