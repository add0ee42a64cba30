// The premise behind per-partition watermarks across stages: events.raw and events.enriched are
// both keyed by session_id (DESIGN.md, Topology), so an event read from events.raw partition p
// must be written to events.enriched partition p. Then each enriched partition is fed by exactly
// one raw partition, in its order, and its disorder is the producers' own.
//
// Both producers hash keys with murmur2 (the Java client's partitioner): `sluice produce` writes
// events.raw through the KafkaJS-style producer, whose default it is, and the stages'
// transactional producer sets it. Before it did, librdkafka's CRC32 default moved about
// (n-1)/n of the events to another partition, and a stalled enrichment worker's events reached
// the aggregation seconds behind the others' (15,180 on-time events counted late_accepted in one
// long worker-crash run).
import { createProducer } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupLag, kafka, readTopic } from '../support/kafka-reader.ts';
import { startSluice, type Worker, waitFor } from '../support/sluice-cli.ts';
import { createChaosRun } from './chaos-run.ts';
import { generateTraffic } from './traffic.ts';

const run = createChaosRun('partitions', { TOPIC_PARTITIONS: '6' });
let worker: Worker | undefined;

beforeAll(() => run.setUp(), 180_000);
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await run.cleanUp();
}, 120_000);

const idOf = (value: Buffer | null) =>
  (JSON.parse(value?.toString() ?? '{}') as { event_id: string }).event_id;

describe('chaos premise: enrichment keeps each event in its partition', () => {
  it('writes every event to the events.enriched partition it was read from', async () => {
    const { topics, groups } = run.names;
    const traffic = generateTraffic(3_000, 1, 0);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic: topics.raw, messages: traffic.records });
    await producer.disconnect();
    worker = startSluice(
      ['worker', 'enrichment', '--metrics-port', '0', '--worker-id', 'partitions'],
      run.env,
    );
    await waitFor(
      'the worker to enrich everything',
      async () => (await groupLag(groups.enrichment, topics.raw)) === 0,
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const raw = new Map(
      (await readTopic(topics.raw, traffic.records.length)).map((r) => [
        idOf(r.value),
        r.partition,
      ]),
    );
    const enriched = await readTopic(topics.enriched, traffic.events.length);
    expect(enriched.length).toBe(traffic.events.length);
    const moved = enriched.filter((r) => raw.get(idOf(r.value)) !== r.partition);
    console.log(
      `events whose enriched partition is not their raw partition: ${moved.length} of ${enriched.length}`,
    );
    expect(moved.length).toBe(0);
  });
});
