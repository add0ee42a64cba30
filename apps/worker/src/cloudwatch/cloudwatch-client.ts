// The CloudWatch client for the configured endpoint: moto locally, AWS when AWS_ENDPOINT_URL is
// empty. Only the lag monitor and `sluice alarms` talk to CloudWatch.
import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import type { Env } from '../env.ts';

export function cloudWatchClientConfig(
  env: Pick<Env, 'AWS_ENDPOINT_URL' | 'AWS_REGION'>,
): CloudWatchClientConfig {
  // AWS takes PutMetricData bodies gzipped: the SDK compresses those above 10 KiB, which saves
  // bandwidth when many groups are published. Left at the SDK's default.
  if (env.AWS_ENDPOINT_URL === '') return { region: env.AWS_REGION };
  return {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    // An endpoint override is an emulator (moto, LocalStack): they accept any credentials, and
    // a developer's real ones should never be sent to it.
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // moto's server (5.2.1 here) decompresses a gzipped body twice: once in its Flask
    // before_request hook (moto_server/utilities.py, decompress_request_body), which leaves the
    // Content-Encoding header in place, and again in BaseResponse.setup_class (core/responses.py),
    // which then fails on the JSON it was given (gzip.BadGzipFile: Not a gzipped file (b'{"')) and
    // answers 500. Every PutMetricData above 10 KiB (about 50 metrics) failed that way. Local
    // traffic gains nothing from compression, so emulators get plain bodies.
    disableRequestCompression: true,
  };
}

export function createCloudWatchClient(env: Env): CloudWatchClient {
  return new CloudWatchClient(cloudWatchClientConfig(env));
}
