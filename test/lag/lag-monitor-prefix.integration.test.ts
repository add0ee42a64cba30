// The lag monitor as deployed, under SLUICE_TOPIC_PREFIX: the pipeline topics whose throughput it
// reports are the prefixed ones (the pipeline contract's names), even when no group reads them;
// the same topics without the prefix, another pipeline's, are not reported.
import { createKafka, createProducer, ensureTopics } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerList, loadEnv } from '../../apps/worker/src/env.ts';
import { uniqueName } from '../env.ts';
import { deletePrefixedTopics } from '../support/kafka-reader.ts';
import { startSluice, type Worker } from '../support/sluice-cli.ts';

const prefix = `${uniqueName('it-lagprefix').replaceAll('_', '-')}.`;
const kafka = createKafka({ brokers: brokerList(loadEnv()), clientId: 'it-lag-prefix' });
/** Records on the prefixed pipeline topics no group reads. */
const RECORDS = { 'events.dlq': 4, 'events.late': 2 } as const;
let monitor: Worker | undefined;

beforeAll(async () => {
  await ensureTopics(
    kafka,
    Object.keys(RECORDS).map((t) => ({
      topic: `${prefix}${t}`,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [],
    })),
  );
  const producer = createProducer(kafka);
  await producer.connect();
  for (const [t, n] of Object.entries(RECORDS)) {
    await producer.send({
      topic: `${prefix}${t}`,
      messages: Array.from({ length: n }, (_, i) => ({ value: String(i) })),
    });
  }
  await producer.disconnect();
}, 60_000);

afterAll(async () => {
  monitor?.child.kill('SIGKILL');
  await deletePrefixedTopics(prefix);
});

describe('lag monitor under a topic prefix', () => {
  it('reports the throughput of the prefixed pipeline topics', async () => {
    monitor = startSluice(
      [
        'worker',
        'lag-monitor',
        '--interval',
        '1',
        '--group',
        `${prefix}nobody`,
        '--no-cloudwatch',
        '--no-db',
        '--metrics-port',
        '0',
      ],
      { ...process.env, SLUICE_TOPIC_PREFIX: prefix },
    );
    await monitor.waitForLog(/"msg":"poll"/);
    const started = /"msg":"lag monitor started".*/.exec(monitor.log())?.[0] ?? '';
    const port = /"port":(\d+)/.exec(started)?.[1];
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const ends = text
      .split('\n')
      .filter((l) => l.startsWith('sluice_topic_end_offset{'))
      .map((l) => [/topic="([^"]+)"/.exec(l)?.[1], Number(l.split(' ').at(-1))]);
    // Ours (the prefixed raw and enriched topics do not exist here, so they are not read).
    expect(ends.filter(([t]) => String(t).startsWith(prefix))).toEqual(
      Object.entries(RECORDS).map(([t, n]) => [`${prefix}${t}`, n]),
    );
    // Nothing unprefixed: those are another pipeline's topics.
    expect(ends.filter(([t]) => String(t).startsWith('events.'))).toEqual([]);
    monitor.child.kill('SIGTERM');
    expect(await monitor.exited).toBe(0);
  }, 60_000);
});
