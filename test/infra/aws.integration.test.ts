// The S3/CloudWatch endpoint (moto locally) through the AWS SDK v3: an object and a metric
// round-trip with the same calls the sinks and the lag monitor make.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { localAwsCredentials, testEnv, uniqueName } from '../env.ts';

const common = {
  endpoint: testEnv.awsEndpoint,
  region: testEnv.awsRegion,
  credentials: localAwsCredentials,
};

describe('S3', () => {
  it('round-trips an object', async () => {
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    const bucket = uniqueName('it-s3').replaceAll('_', '-').toLowerCase();
    const key = 'dt=2026-11-27/hour=10/events.raw-0-0-99.ndjson.gz';
    const body = Buffer.from('{"event_id":"e1"}\n');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toEqual(body);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
});

describe('CloudWatch', () => {
  it('round-trips a metric with its dimensions', async () => {
    const cw = new CloudWatchClient(common);
    const namespace = uniqueName('Sluice/IT');
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    // Unique dimension values too: moto's GetMetricData has been seen matching across namespaces.
    const dimensions = [
      { Name: 'ConsumerGroup', Value: uniqueName('enrichment-workers') },
      { Name: 'Topic', Value: 'events.raw' },
    ];
    await cw.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          {
            MetricName: 'MaxOffsetLag',
            Dimensions: dimensions,
            Timestamp: at,
            Value: 42,
            Unit: 'Count',
          },
        ],
      }),
    );
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(at.getTime() - 60_000),
        EndTime: new Date(at.getTime() + 120_000),
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: { Namespace: namespace, MetricName: 'MaxOffsetLag', Dimensions: dimensions },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(data.MetricDataResults?.[0]?.Values).toEqual([42]);
  });
});
