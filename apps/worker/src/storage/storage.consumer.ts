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
  type StageControl,
} from '@sluice/core';
import {
  createKafka,
  createProducer,
  type FetchTuning,
  type LogFn,
  type RunningStage,
  startStage,
} from '@sluice/kafka';
import { APP_VERSION } from '../version.ts';
import { createEndToEndLatency } from './end-to-end-latency.ts';
import type { DeadLetter } from './sink.ts';
import type { SinkRunner } from './sink-runner.ts';
import { createStorageDlq } from './storage-dlq.ts';
import type { StorageMetrics } from './storage-metrics.ts';
import type { RecordKind } from './storage-record-parser.ts';
import { createStorageStage } from './storage-stage.ts';
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
  /** When the broker answers a fetch (the Kafka package's default when absent). */
  fetch?: FetchTuning;
  /**
   * The stage counters: in and out (handed to at least one sink) once committed; dlq for the
   * unreadable records once committed and for a sink's refusals once the DLQ has them (a record
   * one sink refused and another stored counts in both).
   */
  count?: (metric: 'in' | 'out' | 'dlq', n: number) => void;
  log: LogFn;
  onReady: (ready: boolean, reason: string) => void;
  /** The stage's desired state from the control channel (running when absent). */
  control?: () => StageControl;
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
  phase(): string;
}

/** How long a graceful stop waits for the sinks to write what they hold. */
const SINK_STOP_MS = 15_000;
/** How often the paused partitions are reconciled when no batch comes. */
const RECONCILE_MS = 250;

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
    deadLetter: (sink) => async (letters) => {
      await dlq.refused(sink, letters);
      if (letters.length > 0) o.count?.('dlq', letters.length);
    },
  });
  telemetry = o.telemetry(runners);
  const storage = createStorageStage({
    kinds: new Map<string, RecordKind>([
      [o.topics.enriched, 'event'],
      [o.topics.aggregates, 'aggregate'],
      [o.topics.sessions, 'session'],
    ]),
    router: o.router,
    runners,
    tracker,
    latency,
    dlq,
    maxPending: o.maxPending,
    metrics: o.metrics,
    count: o.count,
    log: o.log,
  });

  let running: RunningStage;
  try {
    running = await startStage({
      brokers: o.brokers,
      groupId: o.groupId,
      topics: [o.topics.enriched, o.topics.aggregates, o.topics.sessions],
      workerId: o.workerId,
      staticMembership: o.staticMembership,
      maxBatch: o.maxBatch ?? 5000,
      ...(o.fetch ? { fetch: o.fetch } : {}),
      mode: 'external',
      commitIntervalMs: o.commitIntervalMs,
      tickMs: RECONCILE_MS,
      log: o.log,
      onReady: o.onReady,
      control: o.control,
      stage: storage.stage,
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
      o.onReady(false, 'stopping');
      // Read nothing more; the runner keeps committing what the sinks make durable meanwhile.
      storage.stopReading();
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

  return {
    done: running.done,
    stop,
    sinceLastLoopMs: () => running.sinceLastLoopMs(),
    phase: () => running.phase(),
  };
}
