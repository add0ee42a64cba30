// The CloudWatch client for the configured endpoint: moto locally, AWS when AWS_ENDPOINT_URL is
// empty. Only the lag monitor and `sluice alarms` talk to CloudWatch.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Env } from '../env.ts';

export function createCloudWatchClient(env: Env): CloudWatchClient {
  if (env.AWS_ENDPOINT_URL === '') return new CloudWatchClient({ region: env.AWS_REGION });
  // An endpoint override is an emulator (moto, LocalStack): they accept any credentials, and
  // a developer's real ones should never be sent to it.
  return new CloudWatchClient({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}
