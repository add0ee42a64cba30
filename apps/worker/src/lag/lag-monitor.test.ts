import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createLagTracker } from '@sluice/core';
import type { Admin } from '@sluice/kafka';
import { describe, expect, it } from 'vitest';
import { pipelineThroughputTopics } from '../commands/worker-lag-monitor.ts';
import {
  MAX_BACKOFF_MS,
  nextPoll,
  PROBE_TIMEOUT_MS,
  pollLagOnce,
  runLagMonitor,
} from './lag-monitor.ts';

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

describe('runLagMonitor while the cluster cannot be read', () => {
  it('asks briefly and ever less often, and goes back to its interval after a good poll', async () => {
    let clock = 0;
    let failing = 3;
    const asked: { at: number; timeout: number | undefined }[] = [];
    const down = {
      ...admin,
      listGroups: async (o?: { timeout?: number }) => {
        asked.push({ at: clock, timeout: o?.timeout });
        if (failing > 0) {
          failing--;
          throw new Error('Local: Timed out');
        }
        return admin.listGroups();
      },
    } as unknown as Admin;
    const controller = new AbortController();
    const waits: number[] = [];
    // The loop's sleep is a real timer: a clock that jumps by each wait keeps the test instant.
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((f: () => void, ms: number) => {
      waits.push(ms);
      clock += ms;
      if (asked.length >= 5) controller.abort();
      return realSetTimeout(f, 0);
    }) as typeof setTimeout;
    try {
      await runLagMonitor(
        { admin: down, tracker: createLagTracker(), now: () => clock, log: () => {} },
        { intervalMs: 10_000, signal: controller.signal },
      );
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(asked.map((a) => a.timeout)).toEqual([
      10_000,
      PROBE_TIMEOUT_MS,
      PROBE_TIMEOUT_MS,
      PROBE_TIMEOUT_MS,
      10_000,
    ]);
    expect(waits.slice(0, 4)).toEqual([20_000, 40_000, MAX_BACKOFF_MS, 10_000]);
  });

  it('never waits less than the interval nor more than a minute', () => {
    expect(nextPoll(0, 10_000)).toEqual({ waitMs: 10_000 });
    expect(nextPoll(1, 2_000)).toEqual({ waitMs: 4_000, timeoutMs: PROBE_TIMEOUT_MS });
    expect(nextPoll(30, 10_000).waitMs).toBe(MAX_BACKOFF_MS);
    expect(nextPoll(1, 120_000).waitMs).toBe(120_000);
  });
});
