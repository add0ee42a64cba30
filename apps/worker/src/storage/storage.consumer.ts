// The storage writers: consumer group `storage-writers` on events.enriched, aggregates and
// sessions (read_committed). Each consumed batch is routed and handed to the sinks' own runners;
// offsets are committed only up to what every sink the batch was routed to has made durable
// (the offset tracker), with plain commitOffsets: the stores are outside Kafka, so there is no
// transaction, and their idempotent writes make the at-least-once redelivery effectively exactly
// once. A sink holding more than its bound pauses only the partitions it holds back. A revoked
// partition is forgotten at once (its new owner re-reads from the last commit; what this member
// still writes of it is idempotent and never committed here).
import {
  backpressure,
  buildDlqRecord,
  createOffsetTracker,
  type Destination,
  type EventRouter,
  type TopicPartition,
} from '@sluice/core';
import {
  type Consumer,
  createExactlyOnceConsumer,
  createProducer,
  type Kafka,
  rebalanceCallback,
} from '@sluice/kafka';
import { APP_VERSION } from '../version.ts';
import { workerLifetime } from '../worker-lifetime.ts';
import type { SinkFailure, SinkRecord } from './sink.ts';
import type { SinkRunner } from './sink-runner.ts';
import type { StorageMetrics } from './storage-metrics.ts';
import {
  type ConsumedRecord,
  parseStorageRecord,
  type RecordKind,
} from './storage-record-parser.ts';
import type { StorageTelemetry } from './storage-telemetry.ts';

export interface StorageWorkerOptions {
  kafka: Kafka;
  groupId: string;
  topics: { enriched: string; aggregates: string; sessions: string; dlq: string };
  router: () => EventRouter;
  /** Builds the runners once the DLQ producer and the tracker exist. */
  runners: (deps: RunnerDeps) => SinkRunner[];
  /** End-to-end latency and sink health for the console. */
  telemetry: (runners: readonly SinkRunner[]) => StorageTelemetry;
  metrics: StorageMetrics;
  workerId: string;
  maxPending: number;
  commitIntervalMs: number;
  log: (message: string) => void;
  onReady: (ready: boolean, reason: string) => void;
}

export interface RunnerDeps {
  onDurable: (sink: Destination) => (segmentIds: readonly number[]) => void;
  deadLetter: (sink: Destination) => (failures: readonly SinkFailure[]) => Promise<void>;
}

export interface RunningStorageWorker {
  stop(): Promise<void>;
  done: Promise<void>;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export async function startStorageWorker(o: StorageWorkerOptions): Promise<RunningStorageWorker> {
  const tracker = createOffsetTracker();
  // End-to-end latency: Kafka timestamps (ingestion times) of each event segment, and the sinks
  // it still waits for. Measured to the moment the events are queryable, that is, durable in
  // every sink they were routed to except the archive, which is asynchronous by design and
  // batches for seconds (an event routed only to the archive waits for it).
  const eventTimes = new Map<number, { times: number[]; waiting: Set<string> }>();
  // Which sinks paused a partition: it resumes only when none of them holds it back any more.
  const pausedBy = new Map<string, { tp: TopicPartition; sinks: Set<string> }>();
  const consumer: Consumer = createExactlyOnceConsumer(o.kafka, o.groupId, true, {
    'js.consumer.max.batch.size': 5000,
    rebalance_cb: rebalanceCallback({
      log: o.log,
      onRevoke: (partitions) => {
        for (const tp of partitions) {
          for (const id of tracker.revoke(tp)) eventTimes.delete(id);
          pausedBy.delete(tpKey(tp));
        }
      },
    }),
  });
  const producer = createProducer(o.kafka);
  await producer.connect();
  const kinds = new Map<string, RecordKind>([
    [o.topics.enriched, 'event'],
    [o.topics.aggregates, 'aggregate'],
    [o.topics.sessions, 'session'],
  ]);

  const dlqContext = { workerId: o.workerId, appVersion: APP_VERSION };
  const sendDlq = async (
    items: { record: Omit<SinkRecord, 'kind' | 'data'> | ConsumedRecord; failure: DlqFailureIn }[],
  ) => {
    if (items.length === 0) return;
    const now = Date.now();
    await producer.send({
      topic: o.topics.dlq,
      messages: items.map(({ record, failure }) => {
        const d = buildDlqRecord({
          key: record.key,
          value: record.value,
          source: {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            timestampMs: record.timestampMs,
          },
          failure: { ...failure, firstFailureMs: now, lastFailureMs: now },
          context: dlqContext,
        });
        return {
          key: d.key ? Buffer.from(d.key) : null,
          value: d.value ? Buffer.from(d.value) : null,
          headers: { ...d.headers },
        };
      }),
    });
  };

  const runners = o.runners({
    onDurable: (sink) => (ids) => {
      for (const id of ids) {
        tracker.done(id, sink);
        durableIn(id, sink);
      }
    },
    deadLetter: (sink) => (failures) =>
      sendDlq(
        failures.map((f) => ({
          record: f.record,
          failure: {
            stage: `storage:${sink}`,
            errorClass: f.errorClass,
            message: f.message,
            retryable: f.retryable,
            attempts: f.attempts,
          },
        })),
      ),
  });
  const byName = new Map(runners.map((r) => [r.name, r]));
  const telemetry = o.telemetry(runners);
  function durableIn(segment: number, sink: string) {
    const entry = eventTimes.get(segment);
    if (entry === undefined) return;
    entry.waiting.delete(sink);
    if (entry.waiting.size > 0) return;
    eventTimes.delete(segment);
    telemetry.durable(entry.times);
  }

  const pausedSinks = new Set<string>();
  const applyBackpressure = () => {
    for (const r of runners) {
      const decision = backpressure(r.pending(), o.maxPending, pausedSinks.has(r.name));
      if (decision === 'pause') {
        pausedSinks.add(r.name);
        const tps = tracker.heldBack(r.name);
        for (const tp of tps) {
          const entry = pausedBy.get(tpKey(tp)) ?? { tp, sinks: new Set<string>() };
          entry.sinks.add(r.name);
          pausedBy.set(tpKey(tp), entry);
          consumer.pause([{ topic: tp.topic, partitions: [tp.partition] }]);
        }
        o.metrics.paused.set({ sink: r.name }, tps.length);
        o.log(`sink ${r.name} holds ${r.pending()} records: paused ${tps.length} partition(s)`);
      } else if (decision === 'resume') {
        pausedSinks.delete(r.name);
        for (const [k, entry] of pausedBy) {
          entry.sinks.delete(r.name);
          if (entry.sinks.size === 0) {
            pausedBy.delete(k);
            consumer.resume([{ topic: entry.tp.topic, partitions: [entry.tp.partition] }]);
          }
        }
        o.metrics.paused.set({ sink: r.name }, 0);
        o.log(`sink ${r.name} caught up: resumed its partitions`);
      }
    }
  };

  let committing = Promise.resolve();
  const commit = () => {
    committing = committing.then(async () => {
      const points = tracker.committable();
      if (points.length === 0) return;
      try {
        await consumer.commitOffsets(points);
        for (const p of points) tracker.markCommitted(p);
        o.metrics.commits.inc();
      } catch (err) {
        // Revoked partitions, or the broker away: the next round commits what is durable then.
        o.log(`offset commit failed, will retry: ${(err as Error).message}`);
      }
    });
    return committing;
  };
  const timer = setInterval(() => {
    applyBackpressure();
    void commit();
  }, o.commitIntervalMs);

  await consumer.connect();
  await consumer.subscribe({ topics: [o.topics.enriched, o.topics.aggregates, o.topics.sessions] });

  const lifetime = workerLifetime();

  await consumer.run({
    eachBatch: async ({ batch, isStale }) => {
      if (batch.messages.length === 0 || isStale()) return;
      const kind = kinds.get(batch.topic) as RecordKind;
      const route = o.router();
      const perSink = new Map<Destination, SinkRecord[]>();
      const rejected: { record: ConsumedRecord; failure: DlqFailureIn }[] = [];
      for (const m of batch.messages) {
        const consumed: ConsumedRecord = {
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          timestampMs: Number(m.timestamp),
          key: m.key ?? null,
          value: m.value ?? null,
        };
        const parsed = parseStorageRecord(kind, consumed);
        if (!parsed.ok) {
          rejected.push({
            record: consumed,
            failure: {
              stage: 'storage',
              errorClass: 'InvalidRecord',
              reason: parsed.reason,
              message: parsed.message,
              retryable: false,
              attempts: 1,
            },
          });
          continue;
        }
        // Aggregates and sessions serve the TimescaleDB queries only.
        const destinations: readonly Destination[] =
          kind === 'event'
            ? route(parsed.record.data as unknown as Record<string, unknown>).destinations
            : ['timescaledb'];
        for (const d of destinations) {
          if (!byName.has(d)) continue;
          let list = perSink.get(d);
          if (!list) {
            list = [];
            perSink.set(d, list);
          }
          list.push(parsed.record);
        }
      }
      // Unreadable records are dead-lettered before the batch counts as taken.
      await sendDlq(rejected);
      const first = batch.messages[0]?.offset as string;
      const segment = tracker.add(
        { topic: batch.topic, partition: batch.partition },
        first,
        batch.lastOffset(),
        perSink.keys(),
      );
      if (kind === 'event') {
        const times = batch.messages.map((m) => Number(m.timestamp));
        const queryable = [...perSink.keys()].filter((d) => d !== 's3');
        const waiting = new Set<string>(queryable.length > 0 ? queryable : perSink.keys());
        if (waiting.size === 0) telemetry.durable(times);
        else eventTimes.set(segment, { times, waiting });
      }
      for (const [sink, records] of perSink) byName.get(sink)?.enqueue(records, segment);
      applyBackpressure();
    },
  });
  o.onReady(true, `consuming as ${o.groupId}`);

  let stopping: Promise<void> | undefined;
  return {
    done: lifetime.done,
    stop() {
      stopping ??= (async () => {
        o.onReady(false, 'stopping');
        clearInterval(timer);
        try {
          await consumer.pause(
            [o.topics.enriched, o.topics.aggregates, o.topics.sessions].map((topic) => ({ topic })),
          );
        } catch {
          // Not assigned anything yet.
        }
        // Write what is buffered, commit what became durable, then leave the group.
        await Promise.all(runners.map((r) => r.stop(15_000)));
        await commit();
        await telemetry.stop();
        await consumer.disconnect();
        await producer.disconnect();
        lifetime.finish();
      })().catch((err: Error) => lifetime.fail(err));
      return stopping;
    },
  };
}

interface DlqFailureIn {
  stage: string;
  errorClass: string;
  message: string;
  reason?: string;
  retryable: boolean;
  attempts: number;
}
