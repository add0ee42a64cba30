// The exactly-once Aggregation worker: consumer group `aggregation-workers` on events.enriched.
// Per batch (one input partition), ONE Kafka transaction holds the window partials and sessions
// it emits, the late events, the partition's changelog entries and the input offsets, so output,
// state and position move together. State is restored lazily: the first batch of a partition
// this process does not hold restores it (and every other unrestored assigned partition) from
// the changelog up to the committed offset. A failed transaction drops the partition's state,
// aborts and throws, so the batch is read again on top of freshly restored state. A revoked
// partition's state is dropped in the rebalance callback.
import type { AggregatorConfig } from '@sluice/core';
import {
  createExactlyOnceConsumer,
  createTransactionalProducer,
  IsolationLevel,
  inTransaction,
  type Kafka,
  rebalanceCallback,
  type TopicMessages,
} from '../kafka/kafka-client.ts';
import { workerLifetime } from '../worker-lifetime.ts';
import type { AggregationMetrics } from './aggregation-metrics.ts';
import {
  type BatchResult,
  createPartitionPipeline,
  type PartitionPipeline,
} from './aggregation-pipeline.ts';
import { changelogPartitionOf, restoreFromChangelog } from './changelog-restore.ts';

export interface AggregationWorkerOptions {
  kafka: Kafka;
  config: AggregatorConfig;
  metrics: AggregationMetrics;
  workerId: string;
  groupId: string;
  topics: { input: string; aggregates: string; sessions: string; late: string; changelog: string };
  maxBatchSize: number;
  /** How often idle partitions are checked (wall clock). */
  tickMs: number;
  now: () => number;
  log: (message: string) => void;
  onReady: (ready: boolean, reason: string) => void;
}

export interface RunningAggregationWorker {
  stop(): Promise<void>;
  done: Promise<void>;
  stateSize(): number;
}

export async function startAggregationWorker(
  o: AggregationWorkerOptions,
): Promise<RunningAggregationWorker> {
  const pipelines = new Map<number, PartitionPipeline>();
  const consumer = createExactlyOnceConsumer(o.kafka, o.groupId, true, {
    'js.consumer.max.batch.size': o.maxBatchSize,
    rebalance_cb: rebalanceCallback({
      log: o.log,
      onRevoke: (partitions) => {
        for (const a of partitions) if (a.topic === o.topics.input) pipelines.delete(a.partition);
      },
    }),
  });
  const producer = createTransactionalProducer(o.kafka, `${o.groupId}-${o.workerId}`);
  const admin = o.kafka.admin();
  await admin.connect();
  const changelogPartitions = (await admin.fetchTopicOffsets(o.topics.changelog)).length;
  // Kept open: the idle check asks for the input's end offsets.
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [o.topics.input] });

  const lifetime = workerLifetime();
  // Batches and idle ticks touch the same state: one at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };

  async function restore(partition: number): Promise<PartitionPipeline> {
    const started = process.hrtime.bigint();
    const assigned = consumer
      .assignment()
      .filter((a) => a.topic === o.topics.input && !pipelines.has(a.partition))
      .map((a) => a.partition);
    if (!assigned.includes(partition)) assigned.push(partition);
    const committed = await consumer.committed(
      assigned.map((p) => ({ topic: o.topics.input, partition: p })),
    );
    const targets = committed
      // No commit yet reads as null or a negative logical offset: nothing to restore.
      .filter((c) => c.offset !== null && c.offset !== undefined && Number(c.offset) >= 0)
      .map((c) => ({ partition: c.partition, position: String(c.offset) }));
    const states = await restoreFromChangelog(
      {
        kafka: o.kafka,
        changelogTopic: o.topics.changelog,
        changelogPartitions,
        groupId: `${o.groupId}-restore-${o.workerId}`,
        timeoutMs: 120_000,
      },
      targets,
    );
    for (const p of assigned)
      pipelines.set(p, createPartitionPipeline(p, o.config, o.now(), states.get(p) ?? []));
    o.metrics.restoreSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    o.log(
      `restored partitions ${assigned.join(',')} (${targets.length} with committed state) in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`,
    );
    return pipelines.get(partition) as PartitionPipeline;
  }

  async function commit(partition: number, r: BatchResult, offset: string | undefined) {
    const topicMessages: TopicMessages[] = [];
    if (r.windows.length > 0)
      topicMessages.push({
        topic: o.topics.aggregates,
        messages: r.windows.map((w) => ({ key: w.key, value: JSON.stringify(w.record) })),
      });
    if (r.sessions.length > 0)
      topicMessages.push({
        topic: o.topics.sessions,
        messages: r.sessions.map((s) => ({ key: s.session_id, value: JSON.stringify(s) })),
      });
    if (r.late.length > 0)
      topicMessages.push({
        topic: o.topics.late,
        messages: r.late.map((m) => ({
          key: m.key === null ? null : Buffer.from(m.key),
          value: m.value === null ? null : Buffer.from(m.value),
        })),
      });
    const clPartition = changelogPartitionOf(partition, changelogPartitions);
    if (r.changelog.length > 0)
      topicMessages.push({
        topic: o.topics.changelog,
        messages: r.changelog.map((c) => ({
          key: `${partition}|${c.key}`,
          value: c.value,
          partition: clPartition,
        })),
      });
    try {
      await inTransaction(
        producer,
        async (tx) => {
          if (topicMessages.length > 0) await tx.sendBatch({ topicMessages });
          // Also on an idle tick (same offset): the offsets carry the group generation, so a
          // zombie that lost this partition is fenced instead of overwriting newer partials.
          if (offset !== undefined)
            await tx.sendOffsets({
              consumer,
              topics: [{ topic: o.topics.input, partitions: [{ partition, offset }] }],
            });
        },
        lifetime.fail,
      );
    } catch (err) {
      // The in-memory state ran ahead of what committed: rebuild it from the changelog.
      pipelines.delete(partition);
      o.metrics.transactions.inc({ outcome: 'abort' });
      throw err;
    }
    o.metrics.transactions.inc({ outcome: 'commit' });
    o.metrics.windowsEmitted.inc(r.windows.length);
    o.metrics.sessionsEmitted.inc(r.sessions.length);
    if (r.evicted > 0) {
      o.metrics.evicted.inc(r.evicted);
      o.log(
        `ERROR partition ${partition}: state cap AGG_MAX_STATE_ENTRIES reached; ${r.evicted} windows/sessions closed early (emitted as final, later events for them count as late). Raise AGG_MAX_STATE_ENTRIES, or lower AGG_RETENTION / AGG_SESSION_GAP`,
      );
    }
    for (const [outcome, n] of r.outcomes) o.metrics.events.inc({ outcome }, n);
  }

  await consumer.run({
    eachBatch: async ({ batch, isStale }) => {
      if (batch.messages.length === 0 || isStale()) return;
      await serial(async () => {
        const started = process.hrtime.bigint();
        const pipeline = pipelines.get(batch.partition) ?? (await restore(batch.partition));
        // Records below the restored position are already in the state.
        const from = BigInt(pipeline.aggregator.restoredPosition() ?? '0');
        const fresh = batch.messages.filter((m) => BigInt(m.offset) >= from);
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        const result = pipeline.process(fresh, o.now(), next);
        try {
          await commit(batch.partition, result, next);
        } catch (err) {
          o.log(
            `batch ${batch.topic}[${batch.partition}]@${batch.firstOffset()} aborted, will be read again: ${(err as Error).message}`,
          );
          throw err;
        }
        o.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      });
    },
  });
  o.onReady(true, `consuming ${o.topics.input} as ${o.groupId}`);

  const ticker = setInterval(() => {
    void serial(async () => {
      // Only partitions this member still owns: a tick racing a revocation must not emit
      // stale partials (they would supersede the new owner's) or commit an old position.
      const owned = new Set(
        consumer
          .assignment()
          .filter((a) => a.topic === o.topics.input)
          .map((a) => a.partition),
      );
      // A partition assigned after its last record was processed gets no batch, yet its open
      // windows must still close when it idles: restore it here rather than on a first batch.
      const missing = [...owned].find((p) => !pipelines.has(p));
      if (missing !== undefined) {
        try {
          await restore(missing);
        } catch (err) {
          o.log(`restore of idle partitions failed, will retry: ${(err as Error).message}`);
          return;
        }
      }
      // Idle means "no data to read", not "not read lately": a partition with a backlog only
      // waits for this consumer, and closing its windows would drop its pending events as late.
      let ends: Map<number, bigint>;
      try {
        const offsets = await admin.fetchTopicOffsets(o.topics.input, {
          isolationLevel: IsolationLevel.READ_COMMITTED,
        });
        ends = new Map(offsets.map((e) => [e.partition, BigInt(e.high)]));
      } catch (err) {
        o.log(`idle check skipped, end offsets unavailable: ${(err as Error).message}`);
        return;
      }
      for (const [partition, pipeline] of [...pipelines]) {
        if (!owned.has(partition) || pipelines.get(partition) !== pipeline) {
          pipelines.delete(partition);
          continue;
        }
        const position = BigInt(pipeline.aggregator.restoredPosition() ?? '0');
        if (position < (ends.get(partition) ?? 0n)) continue;
        const r = pipeline.tick(o.now());
        if (r === undefined) continue;
        try {
          await commit(partition, r, pipeline.aggregator.restoredPosition());
          o.log(`partition ${partition} idle: watermark advanced to close its windows`);
        } catch (err) {
          o.log(`idle close of partition ${partition} aborted: ${(err as Error).message}`);
        }
      }
    });
  }, o.tickMs);

  let stopping: Promise<void> | undefined;
  return {
    done: lifetime.done,
    stateSize: () => {
      let n = 0;
      for (const p of pipelines.values()) n += p.aggregator.stateSize();
      return n;
    },
    stop() {
      stopping ??= (async () => {
        o.onReady(false, 'stopping');
        clearInterval(ticker);
        await serial(async () => {});
        await consumer.disconnect();
        await producer.disconnect();
        await admin.disconnect();
        lifetime.finish();
      })();
      return stopping;
    },
  };
}
