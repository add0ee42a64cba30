// The storage writers: consumer group `storage-writers` on events.enriched, aggregates and
// sessions, run by the stage runner (@sluice/kafka) in its `external` mode. Each batch is routed
// (batch-routing.ts), its unreadable records dead-lettered, and its records handed to the sinks'
// own runners; the stage runner commits, every commit interval, only up to what every sink a
// partition's records went to has made durable (core's offset tracker). The stores are outside
// Kafka, so there is no transaction: their idempotent writes make the at-least-once redelivery
// effectively exactly once. Backpressure is level-triggered (pause-reconciler.ts). A graceful
// stop reads nothing more, writes what is buffered, commits what became durable, leaves.
import {
  createOffsetTracker,
  type Destination,
  type EventRouter,
  type TopicPartition,
} from '@sluice/core';
import {
  type ConsumedMessage,
  createKafka,
  createProducer,
  type LogFn,
  type RunningStage,
  type StageContext,
  startStage,
} from '@sluice/kafka';
import { APP_VERSION } from '../version.ts';
import { routeBatch } from './batch-routing.ts';
import { createEndToEndLatency } from './end-to-end-latency.ts';
import { createPauseReconciler } from './pause-reconciler.ts';
import type { DeadLetter } from './sink.ts';
import type { SinkRunner } from './sink-runner.ts';
import { createStorageDlq } from './storage-dlq.ts';
import type { StorageMetrics } from './storage-metrics.ts';
import type { ConsumedRecord, RecordKind } from './storage-record-parser.ts';
import type { StorageTelemetry } from './storage-telemetry.ts';

export interface StorageWorkerOptions {
  brokers: string[];
  groupId: string;
  topics: { enriched: string; aggregates: string; sessions: string; dlq: string };
  /** The routing rules in force (they may be reloaded); read once per batch. */
  router: () => EventRouter;
  /** Builds the sinks' runners once the DLQ producer and the offset tracker exist. */
  runners: (deps: RunnerDeps) => SinkRunner[];
  /** End-to-end latency and sink health for the console. */
  telemetry: (runners: readonly SinkRunner[]) => StorageTelemetry;
  metrics: StorageMetrics;
  workerId: string;
  /** Set when the worker id is stable across restarts (a pod name). */
  staticMembership: boolean;
  /** Records a sink may hold before the partitions it holds back are paused. */
  maxPending: number;
  commitIntervalMs: number;
  /** Messages per consumed batch, over all partitions. */
  maxBatch?: number;
  log: LogFn;
  onReady: (ready: boolean, reason: string) => void;
}

export interface RunnerDeps {
  onDurable: (sink: Destination) => (segmentIds: readonly number[]) => void;
  deadLetter: (sink: Destination) => (letters: readonly DeadLetter[]) => Promise<void>;
}

export interface RunningStorageWorker {
  /** Resolves when stopped on purpose; rejects when the worker cannot go on. */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Milliseconds since the consume loop last went round (liveness). */
  sinceLastLoopMs(): number;
}

/** How long a graceful stop waits for the sinks to write what they hold. */
const SINK_STOP_MS = 15_000;
/** How often the paused partitions are reconciled when no batch comes. */
const RECONCILE_MS = 250;

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

const consumedRecord = (m: ConsumedMessage): ConsumedRecord => ({
  topic: m.topic,
  partition: m.partition,
  offset: String(m.offset),
  timestampMs: m.timestamp ?? 0,
  key: typeof m.key === 'string' ? Buffer.from(m.key) : (m.key ?? null),
  value: m.value ?? null,
});

export async function startStorageWorker(o: StorageWorkerOptions): Promise<RunningStorageWorker> {
  const producer = createProducer(
    createKafka({ brokers: o.brokers, clientId: `${o.groupId}-${o.workerId}-dlq` }),
  );
  await producer.connect();
  const dlq = createStorageDlq({
    workerId: o.workerId,
    appVersion: APP_VERSION,
    send: async (messages) => {
      await producer.send({ topic: o.topics.dlq, messages });
    },
  });
  const tracker = createOffsetTracker();
  let telemetry: StorageTelemetry | undefined;
  const latency = createEndToEndLatency((times) => telemetry?.durable(times));
  const runners = o.runners({
    onDurable: (sink) => (ids) => {
      for (const id of ids) {
        tracker.done(id, sink);
        latency.durable(id, sink);
      }
    },
    deadLetter: (sink) => (letters) => dlq.refused(sink, letters),
  });
  telemetry = o.telemetry(runners);
  const byName = new Map(runners.map((r) => [r.name as Destination, r]));
  const kinds = new Map<string, RecordKind>([
    [o.topics.enriched, 'event'],
    [o.topics.aggregates, 'aggregate'],
    [o.topics.sessions, 'session'],
  ]);

  const pauses = createPauseReconciler({ maxPending: o.maxPending });
  /** Owned partitions something was read of since they were assigned. */
  const read = new Set<string>();
  /** Partitions with messages dropped unread at stop: their positions are past them. */
  const dropped = new Set<string>();
  let ctx: StageContext | undefined;
  let stopping = false;

  /** Makes the consumer's paused partitions the ones the sinks need paused now. */
  const reconcile = (c: StageContext) => {
    ctx = c;
    const owned = c.assignment();
    const plan = pauses.reconcile({
      owned,
      sinks: runners.map((r) => ({ name: r.name, pending: r.pending(), up: r.isUp() })),
      heldBack: (sink) => tracker.heldBack(sink),
      unread: owned.filter((tp) => !read.has(key(tp))),
      // Aggregates and sessions only ever go to TimescaleDB.
      mayFeed: (sink, tp) => kinds.get(tp.topic) === 'event' || sink === 'timescaledb',
      pauseAll: stopping,
    });
    c.pause([...plan.pause]);
    c.resume([...plan.resume]);
    for (const [sink, n] of plan.pausedFor) o.metrics.paused.set({ sink }, n);
    for (const s of plan.saturated)
      o.log(
        'warn',
        `sink ${s} holds ${byName.get(s as Destination)?.pending()} records (bound ${o.maxPending}): pausing the partitions it holds back`,
      );
    for (const s of plan.released)
      o.log(
        'info',
        `sink ${s} is down to ${byName.get(s as Destination)?.pending()} records: resuming its partitions`,
      );
  };

  const nothing = { records: [] };
  let running: RunningStage;
  try {
    running = await startStage({
      brokers: o.brokers,
      groupId: o.groupId,
      topics: [o.topics.enriched, o.topics.aggregates, o.topics.sessions],
      workerId: o.workerId,
      staticMembership: o.staticMembership,
      maxBatch: o.maxBatch ?? 5000,
      mode: 'external',
      commitIntervalMs: o.commitIntervalMs,
      tickMs: RECONCILE_MS,
      log: o.log,
      onReady: o.onReady,
      stage: {
        async process(messages, c) {
          if (stopping) {
            // Left to the next owner: never tracked, so never committed.
            for (const m of messages) dropped.add(key(m));
            return nothing;
          }
          const batch = routeBatch(messages.map(consumedRecord), {
            kindOf: (topic) => kinds.get(topic),
            route: o.router(),
            sinks: new Set(byName.keys()),
          });
          // Unreadable records are dead-lettered before their batch counts as taken.
          await dlq.rejected(batch.rejected);
          for (const p of batch.partitions) {
            const tp = { topic: p.topic, partition: p.partition };
            read.add(key(tp));
            const id = tracker.add(tp, p.firstOffset, p.lastOffset, p.bySink.keys());
            if (p.kind === 'event') latency.track(id, p.timestampsMs, p.bySink.keys());
            for (const [sink, records] of p.bySink) byName.get(sink)?.enqueue(records, id);
          }
          reconcile(c);
          return nothing;
        },
        assigned(tps, c) {
          for (const tp of tps) read.delete(key(tp));
          c.resume([...pauses.adopt(tps)]);
          reconcile(c);
        },
        revoked(tps) {
          // Their new owner reads them again from the last commit; what the sinks still write
          // of them is idempotent and never committed here.
          for (const tp of tps) {
            latency.forget(tracker.revoke(tp));
            read.delete(key(tp));
          }
          pauses.forget(tps);
        },
        tick(_caughtUp, c) {
          reconcile(c);
          return undefined;
        },
        durableOffsets(positions) {
          for (const p of positions)
            if (!dropped.has(key(p))) tracker.consumedTo({ ...p, offset: String(p.offset) });
          return tracker
            .committable()
            .map((c) => ({ topic: c.topic, partition: c.partition, offset: Number(c.offset) }));
        },
        markCommitted(offsets) {
          for (const off of offsets) tracker.markCommitted({ ...off, offset: String(off.offset) });
          o.metrics.commits.inc();
        },
      },
    });
  } catch (err) {
    await Promise.all(runners.map((r) => r.stop(0)));
    await telemetry.stop();
    await producer.disconnect();
    throw err;
  }

  let failure: Error | undefined;
  running.done.catch((err: Error) => {
    failure = err;
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const failedBefore = failure !== undefined;
      stopping = true;
      o.onReady(false, 'stopping');
      // Read nothing more; the runner keeps committing what the sinks make durable meanwhile.
      if (ctx) reconcile(ctx);
      // A worker that failed cannot commit what the sinks would write: it waits for nothing.
      await Promise.all(runners.map((r) => r.stop(failedBefore ? 1000 : SINK_STOP_MS)));
      // Last commit of what became durable, then leave the group.
      await running.stop();
      const outcome = await running.done.then(
        () => undefined,
        (err: Error) => err,
      );
      if (outcome && !failedBefore)
        o.log('error', `stopped without its last commit: ${outcome.message}`);
      await telemetry?.stop();
      await producer.disconnect();
    })();
    return stopped;
  };

  return { done: running.done, stop, sinceLastLoopMs: () => running.sinceLastLoopMs() };
}
