// A stage's consumer (librdkafka's native API, which hands out batches across partitions and
// tells the true position): read_committed, no auto-commit (offsets go with the transaction or
// are committed after the sinks made them durable), cooperative-sticky assignment so a rebalance
// moves only what it must. Assignment changes are handed to the owner, who applies them when the
// batch in hand is done (see stage-runner.ts).
import RdKafka from '@confluentinc/kafka-javascript';
import pRetry from 'p-retry';
import { isTransientKafkaError, KafkaCodes, toError } from './kafka-errors.ts';

export type ConsumedMessage = RdKafka.Message;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface ConsumerOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  /** Static membership (KIP-345): a restarted instance with this id gets its partitions back at once. */
  groupInstanceId?: string;
  /** How long a member that died silently keeps its partitions. */
  sessionTimeoutMs?: number;
  maxBatch: number;
  /** When the broker answers a fetch: once this much is ready, or after the wait below. */
  fetch?: FetchTuning;
  onAssign(tps: TopicPartition[]): void;
  onRevoke(tps: TopicPartition[], lost: boolean): void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * A fetch is answered once `minBytes` are ready on the member's partitions or after `waitMaxMs`.
 * librdkafka's default (1 byte) answers at every record: at 200 events/s that was a fetch round
 * trip per record or two, for the broker and the worker alike. With 64 KB a busy stage still
 * gets its data at once (64 KB of raw events is about 160 of them) and a quiet one waits at most
 * `waitMaxMs`, which bounds the latency it adds per stage.
 */
export interface FetchTuning {
  minBytes: number;
  waitMaxMs: number;
  /**
   * Most kilobytes of fetched records the client holds ahead of the stage (librdkafka's
   * queued.max.messages.kbytes; its own default is 65,536).
   */
  prefetchKb: number;
}

export const DEFAULT_FETCH: FetchTuning = { minBytes: 65_536, waitMaxMs: 500, prefetchKb: 32_768 };

export interface StageConsumer {
  readonly native: RdKafka.KafkaConsumer;
  subscribe(topics: string[]): void;
  /** Leave the group (its partitions are revoked through the rebalance callback). */
  unsubscribe(): void;
  /** Up to maxBatch messages over all assigned partitions; [] after the poll timeout. */
  consume(): Promise<ConsumedMessage[]>;
  /** The next offset to read per partition, past transaction markers (unlike last offset + 1). */
  positions(tps: TopicPartition[]): Map<string, number>;
  /** The group's committed offsets, with the metadata committed beside them (if any). */
  committed(tps: TopicPartition[]): Promise<Map<string, CommittedOffset>>;
  /** The end a read_committed reader can reach (last stable offset), as last fetched; undefined if unknown. */
  cachedEnd(tp: TopicPartition): number | undefined;
  seek(tp: TopicPartition, offset: number): Promise<void>;
  commit(offsets: { topic: string; partition: number; offset: number }[]): Promise<void>;
  pause(tps: TopicPartition[]): void;
  resume(tps: TopicPartition[]): void;
  assign(tps: TopicPartition[]): void;
  unassign(tps: TopicPartition[]): void;
  assignment(): TopicPartition[];
  disconnect(): Promise<void>;
}

export interface CommittedOffset {
  offset: number;
  /** The string committed with the offset; undefined when none (or empty). */
  metadata?: string;
}

export const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/** A consumed message's key as bytes (the client hands out a Buffer, a string or nothing). */
export const messageKey = (m: ConsumedMessage): Buffer | null =>
  typeof m.key === 'string' ? Buffer.from(m.key) : (m.key ?? null);

export async function createStageConsumer(o: ConsumerOptions): Promise<StageConsumer> {
  const sessionTimeout = o.sessionTimeoutMs ?? 10_000;
  let rebalanceFailure: Error | undefined;
  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': o.brokers.join(','),
      'client.id': o.clientId,
      'group.id': o.groupId,
      ...(o.groupInstanceId ? { 'group.instance.id': o.groupInstanceId } : {}),
      'isolation.level': 'read_committed',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'partition.assignment.strategy': 'cooperative-sticky',
      'session.timeout.ms': sessionTimeout,
      'heartbeat.interval.ms': Math.max(1000, Math.floor(sessionTimeout / 4)),
      'max.poll.interval.ms': 300_000,
      'fetch.wait.max.ms': (o.fetch ?? DEFAULT_FETCH).waitMaxMs,
      'fetch.min.bytes': (o.fetch ?? DEFAULT_FETCH).minBytes,
      'queued.max.messages.kbytes': (o.fetch ?? DEFAULT_FETCH).prefetchKb,
      event_cb: true,
      log_level: 4,
      rebalance_cb: (err: { code: number }, assignment: TopicPartition[]) => {
        const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
        // Nothing may escape: a throw here is uncaught and ends the process.
        try {
          if (err.code === KafkaCodes.ASSIGN_PARTITIONS) o.onAssign(tps);
          else if (err.code === KafkaCodes.REVOKE_PARTITIONS)
            o.onRevoke(tps, incremental.assignmentLost());
          else o.log('error', `rebalance error: ${toError(err).message}`);
        } catch (e) {
          // The assignment is no longer known: the next consume fails the stage for good.
          rebalanceFailure = toError(e);
          (rebalanceFailure as { isFatal?: boolean }).isFatal = true;
          rebalanceFailure.message = `handling a rebalance failed: ${rebalanceFailure.message}`;
          o.log('error', rebalanceFailure.message);
        }
      },
    },
    { 'auto.offset.reset': 'earliest' },
  );
  // Present in the library, missing from its type declarations.
  const incremental = consumer as unknown as {
    incrementalAssign(tps: TopicPartition[]): void;
    incrementalUnassign(tps: TopicPartition[]): void;
    assignmentLost(): boolean;
  };
  consumer.on('event.log', (e: { severity: number; fac: string; message: string }) =>
    o.log(e.severity <= 3 ? 'error' : 'warn', `librdkafka ${e.fac}: ${e.message}`),
  );
  consumer.on('event.error', (e: unknown) => o.log('warn', `client: ${toError(e).message}`));
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(toError(err)) : resolve())),
  );
  consumer.setDefaultConsumeTimeout(200);
  // Once one message is there, take what else is ready rather than wait per message.
  (
    consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }
  ).setDefaultIsTimeoutOnlyForFirstMessage(true);

  /**
   * librdkafka refuses a whole list (and the binding throws) when one partition is already
   * assigned, or not assigned, which a rebalance racing an abort's re-assignment can ask; the
   * others then go one by one. (The assignment cannot be read first: the binding refuses to
   * while the consumer closes, when the last revocation must still be acknowledged.)
   */
  function changeAssignment(tps: TopicPartition[], change: (some: TopicPartition[]) => void): void {
    // An empty list too: inside a rebalance it is the acknowledgement librdkafka waits for.
    try {
      change(tps);
    } catch {
      for (const tp of tps) {
        try {
          change([tp]);
        } catch (err) {
          o.log('warn', `${tp.topic}[${tp.partition}]: ${toError(err).message}`);
        }
      }
    }
  }

  return {
    native: consumer,
    subscribe: (topics) => {
      consumer.subscribe(topics);
    },
    unsubscribe: () => {
      consumer.unsubscribe();
    },
    consume: () =>
      rebalanceFailure
        ? Promise.reject(rebalanceFailure)
        : new Promise((resolve, reject) =>
            consumer.consume(o.maxBatch, (err, messages) =>
              err ? reject(toError(err)) : resolve(messages),
            ),
          ),
    positions(tps) {
      const out = new Map<string, number>();
      if (tps.length === 0) return out;
      for (const p of consumer.position(tps))
        if (p.offset !== undefined && p.offset >= 0) out.set(tpKey(p), p.offset);
      return out;
    },
    // Asked again while the coordinator is unreachable (a broker failover): a newly assigned
    // partition cannot be read before its committed offset is known.
    committed: (tps) =>
      pRetry(
        () =>
          new Promise<Map<string, CommittedOffset>>((resolve, reject) => {
            if (tps.length === 0) return resolve(new Map());
            consumer.committed(tps, 10_000, (err, parts) => {
              if (err) return reject(toError(err));
              const out = new Map<string, CommittedOffset>();
              for (const p of parts)
                if (p.offset !== undefined && p.offset >= 0)
                  out.set(
                    tpKey(p),
                    p.metadata ? { offset: p.offset, metadata: p.metadata } : { offset: p.offset },
                  );
              resolve(out);
            });
          }),
        {
          retries: Number.POSITIVE_INFINITY,
          maxRetryTime: 120_000,
          minTimeout: 200,
          maxTimeout: 2000,
          shouldRetry: ({ error }) => isTransientKafkaError(error),
          onFailedAttempt: ({ error, attemptNumber }) => {
            if (isTransientKafkaError(error))
              o.log(
                'warn',
                `reading committed offsets failed (attempt ${attemptNumber}), retrying: ${error.message}`,
              );
          },
        },
      ),
    cachedEnd(tp) {
      try {
        const w = consumer.getWatermarkOffsets(tp.topic, tp.partition);
        return w.highOffset >= 0 ? w.highOffset : undefined;
      } catch {
        return undefined;
      }
    },
    seek: (tp, offset) =>
      new Promise((resolve, reject) =>
        consumer.seek({ ...tp, offset }, 5000, (err) => (err ? reject(toError(err)) : resolve())),
      ),
    commit: (offsets) =>
      new Promise((resolve, reject) => {
        // Synchronous: the broker's answer is awaited, so a lost commit is an error, not silence.
        try {
          consumer.commitSync(offsets);
          resolve();
        } catch (err) {
          reject(toError(err));
        }
      }),
    pause: (tps) => {
      if (tps.length > 0) consumer.pause(tps);
    },
    resume: (tps) => {
      if (tps.length > 0) consumer.resume(tps);
    },
    assign: (tps) => changeAssignment(tps, (some) => incremental.incrementalAssign(some)),
    unassign: (tps) => changeAssignment(tps, (some) => incremental.incrementalUnassign(some)),
    assignment: () =>
      consumer.assignments().map((a) => ({ topic: a.topic, partition: a.partition })),
    disconnect: () =>
      new Promise<void>((resolve) => {
        consumer.disconnect(() => resolve());
      }),
  };
}
