// The exactly-once Enrichment stage: consumer group `enrichment-workers` on events.raw. A batch
// is enriched by the pure pipeline, and its enriched events, its DLQ records and its input
// positions are committed in ONE Kafka transaction by the stage runner (@sluice/kafka), which
// also owns rebalances, aborts (the batch is read again) and fencing (the worker stops).
import type { RawMessage } from '@sluice/core';
import {
  type ConsumedMessage,
  type LogFn,
  messageKey,
  type OutRecord,
  type RunningStage,
  startStage,
} from '@sluice/kafka';
import type { EnrichmentMetrics } from './enrichment-metrics.ts';
import type { EnrichmentPipeline } from './enrichment-pipeline.ts';

export interface EnrichmentWorkerOptions {
  brokers: string[];
  pipeline: EnrichmentPipeline;
  metrics: EnrichmentMetrics;
  workerId: string;
  staticMembership: boolean;
  groupId: string;
  inputTopic: string;
  outputTopic: string;
  dlqTopic: string;
  maxBatchSize: number;
  commitIntervalMs: number;
  /** Records counted per stage for the console (in, out, dlq). */
  count?: (metric: string, n: number) => void;
  log: LogFn;
  onReady: (ready: boolean, reason: string) => void;
}

const asBuffer = (bytes: Uint8Array | null): Buffer | null =>
  bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const toRaw = (m: ConsumedMessage): RawMessage => ({
  key: messageKey(m),
  value: m.value,
  topic: m.topic,
  partition: m.partition,
  offset: String(m.offset),
  timestamp: String(m.timestamp ?? 0),
});

export function startEnrichmentWorker(o: EnrichmentWorkerOptions): Promise<RunningStage> {
  return startStage({
    brokers: o.brokers,
    groupId: o.groupId,
    topics: [o.inputTopic],
    workerId: o.workerId,
    staticMembership: o.staticMembership,
    maxBatch: o.maxBatchSize,
    mode: 'transactional',
    commitIntervalMs: o.commitIntervalMs,
    log: o.log,
    onReady: o.onReady,
    stage: {
      async process(messages) {
        const started = process.hrtime.bigint();
        const result = await o.pipeline.process(messages.map(toRaw));
        const records: OutRecord[] = [];
        for (const r of result.enriched)
          records.push({
            topic: o.outputTopic,
            key: asBuffer(r.key),
            value: r.value,
            timestamp: Number(r.timestamp),
          });
        for (const r of result.dlq)
          records.push({
            topic: o.dlqTopic,
            key: asBuffer(r.key),
            value: asBuffer(r.value),
            headers: { ...r.headers },
          });
        return {
          records,
          onCommitted() {
            o.metrics.transactions.inc({ outcome: 'commit' });
            o.metrics.eventsIn.inc(messages.length);
            o.metrics.eventsOut.inc(result.enriched.length);
            o.metrics.retried.inc(result.retried);
            for (const [reason, n] of result.dlqReasons) o.metrics.eventsDlq.inc({ reason }, n);
            o.metrics.batchSize.observe(messages.length);
            o.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
            o.count?.('in', messages.length);
            o.count?.('out', result.enriched.length);
            o.count?.('dlq', result.dlq.length);
          },
        };
      },
      aborted() {
        o.metrics.transactions.inc({ outcome: 'abort' });
      },
    },
  });
}
