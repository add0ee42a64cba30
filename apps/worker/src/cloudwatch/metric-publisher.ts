// Publishes lag metric data to CloudWatch. A failure is logged and counted and the monitor goes
// on: Prometheus and lag_samples still have the numbers, and the next poll publishes afresh.
import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from './lag-metric-data.ts';

export interface PublishResult {
  requests: number;
  sent: number;
  failed: number;
  errors: string[];
}

export async function publishMetricData(
  client: CloudWatchClient,
  namespace: string,
  data: readonly MetricDatum[],
): Promise<PublishResult> {
  const result: PublishResult = { requests: 0, sent: 0, failed: 0, errors: [] };
  for (const batch of chunk(data)) {
    result.requests++;
    try {
      await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
      result.sent += batch.length;
    } catch (err) {
      result.failed += batch.length;
      result.errors.push((err as Error).message);
    }
  }
  return result;
}
