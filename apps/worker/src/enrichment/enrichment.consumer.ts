// The exactly-once Enrichment worker: consumer group `enrichment-workers` on events.raw; each
// batch is enriched, and its enriched events, its DLQ records and its input offsets are committed
// in ONE Kafka transaction. Consumers read with read_committed; the consumer group metadata sent
// with the offsets fences a zombie whose partitions moved (KIP-447). Any failure aborts the
// transaction and the batch is read again from its first offset, so nothing is lost or doubled.
import type { RawMessage } from '@sluice/core';
import {
  type Consumer,
  createExactlyOnceConsumer,
  createTransactionalProducer,
  inTransaction,
  type Kafka,
  type Producer,
  rebalanceCallback,
  type TopicMessages,
} from '../kafka/kafka-client.ts';
import { workerLifetime } from '../worker-lifetime.ts';
import type { EnrichmentMetrics } from './enrichment-metrics.ts';
import type { EnrichmentPipeline } from './enrichment-pipeline.ts';

export interface EnrichmentWorkerOptions {
  kafka: Kafka;
  pipeline: EnrichmentPipeline;
  metrics: EnrichmentMetrics;
  workerId: string;
  groupId: string;
  inputTopic: string;
  outputTopic: string;
  dlqTopic: string;
  maxBatchSize: number;
  log: (message: string) => void;
  onReady: (ready: boolean, reason: string) => void;
}

const asBuffer = (bytes: Uint8Array | null): Buffer | null =>
  bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export interface RunningWorker {
  /** Finish or abort the in-flight batch, then leave the group and close the clients. */
  stop(): Promise<void>;
  done: Promise<void>;
}

export async function startEnrichmentWorker(o: EnrichmentWorkerOptions): Promise<RunningWorker> {
  const consumer: Consumer = createExactlyOnceConsumer(o.kafka, o.groupId, true, {
    'js.consumer.max.batch.size': o.maxBatchSize,
    rebalance_cb: rebalanceCallback({ log: o.log }),
  });
  const producer: Producer = createTransactionalProducer(o.kafka, `${o.groupId}-${o.workerId}`);
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [o.inputTopic] });

  const lifetime = workerLifetime();

  await consumer.run({
    eachBatch: async ({ batch, isStale }) => {
      if (batch.messages.length === 0 || isStale()) return;
      const started = process.hrtime.bigint();
      const raw: RawMessage[] = batch.messages.map((m) => ({
        key: m.key,
        value: m.value,
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        timestamp: m.timestamp,
      }));
      const result = await o.pipeline.process(raw);
      const topicMessages: TopicMessages[] = [];
      if (result.enriched.length > 0) {
        topicMessages.push({
          topic: o.outputTopic,
          messages: result.enriched.map((r) => ({
            key: asBuffer(r.key),
            value: r.value,
            timestamp: r.timestamp,
          })),
        });
      }
      if (result.dlq.length > 0) {
        topicMessages.push({
          topic: o.dlqTopic,
          messages: result.dlq.map((r) => ({
            key: asBuffer(r.key),
            value: asBuffer(r.value),
            headers: { ...r.headers },
          })),
        });
      }
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      try {
        await inTransaction(
          producer,
          async (tx) => {
            if (topicMessages.length > 0) await tx.sendBatch({ topicMessages });
            await tx.sendOffsets({
              consumer,
              topics: [
                { topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] },
              ],
            });
          },
          lifetime.fail,
        );
      } catch (err) {
        o.metrics.transactions.inc({ outcome: 'abort' });
        o.log(
          `batch ${batch.topic}[${batch.partition}]@${batch.firstOffset()} aborted, will be read again: ${(err as Error).message}`,
        );
        throw err;
      }
      o.metrics.transactions.inc({ outcome: 'commit' });
      o.metrics.eventsIn.inc(raw.length);
      o.metrics.eventsOut.inc(result.enriched.length);
      o.metrics.retried.inc(result.retried);
      for (const [reason, n] of result.dlqReasons) o.metrics.eventsDlq.inc({ reason }, n);
      o.metrics.batchSize.observe(raw.length);
      o.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    },
  });
  o.onReady(true, `consuming ${o.inputTopic} as ${o.groupId}`);

  let stopping: Promise<void> | undefined;
  return {
    done: lifetime.done,
    stop() {
      stopping ??= (async () => {
        o.onReady(false, 'stopping');
        // disconnect() lets the batch in hand finish (its transaction commits or aborts) before
        // the group is left, so the partitions move with their offsets committed.
        await consumer.disconnect();
        await producer.disconnect();
        lifetime.finish();
      })();
      return stopping;
    },
  };
}
