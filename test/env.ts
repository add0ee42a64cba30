// Endpoints of the local stack for the suites; the defaults are the stack's own.
export const testEnv = {
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://sluice@127.0.0.1:5432/sluice',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  searchUrl: process.env.SEARCH_URL ?? 'http://127.0.0.1:9200',
  awsEndpoint: process.env.AWS_ENDPOINT_URL || 'http://127.0.0.1:4566',
  awsRegion: process.env.AWS_REGION ?? 'us-east-1',
};

/** A name unique to this run, so suites can run in any order and side by side. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** moto accepts any credentials; these are not secrets. */
export const localAwsCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
