// Publishes lag metric data to CloudWatch, in as many requests as PutMetricData's limits need. A
// failed request is counted with its reason and the monitor goes on: Prometheus and lag_samples
// still have the numbers, and the next poll publishes afresh.
import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { metricDataRequests } from './lag-metric-data.ts';

export interface PublishResult {
  requests: number;
  sent: number;
  failed: number;
  /** One per failed request: how many metric data it carried and why it failed, one line. */
  errors: string[];
}

export async function publishMetricData(
  client: CloudWatchClient,
  namespace: string,
  data: readonly MetricDatum[],
): Promise<PublishResult> {
  const result: PublishResult = { requests: 0, sent: 0, failed: 0, errors: [] };
  for (const batch of metricDataRequests(data)) {
    result.requests++;
    try {
      await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
      result.sent += batch.length;
    } catch (err) {
      result.failed += batch.length;
      result.errors.push(`${batch.length} metrics: ${failureReason(err)}`);
    }
  }
  return result;
}

/** The HTTP status, the error's name and the first line of its message: an SDK error's message
 *  can run to several lines (a response it could not parse, with advice on how to see it). */
export function failureReason(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const first =
    String(e?.message ?? err)
      .split('\n')[0]
      ?.trim() ?? '';
  return `${status ? `HTTP ${status} ` : ''}${e?.name ? `${e.name}: ` : ''}${first}`;
}
