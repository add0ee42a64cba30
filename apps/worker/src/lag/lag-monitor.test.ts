import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createLagTracker } from '@sluice/core';
import type { Admin } from '@sluice/kafka';
import { describe, expect, it } from 'vitest';
import { pipelineThroughputTopics } from '../commands/worker-lag-monitor.ts';
import { pollLagOnce } from './lag-monitor.ts';

/** One group without members that committed 10 of 50 records on each of 3 partitions. */
const admin = {
  listGroups: async () => ({ groups: [{ groupId: 'g', protocolType: 'consumer' }], errors: [] }),
  describeGroups: async () => ({ groups: [{ groupId: 'g', members: [] }] }),
  fetchOffsets: async () => [
    {
      topic: 't',
      partitions: [0, 1, 2].map((partition) => ({ partition, offset: '10', error: null })),
    },
  ],
  fetchTopicOffsets: async () =>
    [0, 1, 2].map((partition) => ({ partition, offset: '50', high: '50', low: '0' })),
  listTopics: async () => ['t'],
} as unknown as Admin;

describe('pollLagOnce', () => {
  it('logs a failed PutMetricData once, with how many metric data of how many and why', async () => {
    const client = {
      send: async () => {
        throw Object.assign(new Error('Service Unavailable\nretry later'), {
          name: 'ServiceUnavailable',
          $metadata: { httpStatusCode: 503 },
        });
      },
    } as unknown as CloudWatchClient;
    const logs: { level: string; msg: string; fields?: object }[] = [];
    const outcome = await pollLagOnce({
      admin,
      tracker: createLagTracker(),
      now: () => 60_000,
      log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }),
      cloudwatch: {
        client,
        namespace: 'Sluice',
        stages: pipelineThroughputTopics('').stages,
      },
    });
    expect(outcome.report.groups[0]?.partitions.map((p) => p.offsetLag)).toEqual([40, 40, 40]);
    expect(logs).toEqual([
      {
        level: 'error',
        msg: 'PutMetricData failed',
        fields: {
          failed: 3,
          of: 3,
          requests: 1,
          errors: ['3 metrics: HTTP 503 ServiceUnavailable: Service Unavailable'],
        },
      },
    ]);
  });
});
