// A transactional producer (librdkafka's native API) with promises: one transaction at a time,
// the consumer's offsets sent with the group metadata (KIP-447), so a worker whose partitions
// moved is fenced instead of committing over its successor. Its transactional id is stable per
// worker (SLUICE_WORKER_ID), so a restarted worker's initTransactions() aborts whatever its
// killed predecessor left open at once, instead of read_committed readers waiting for the
// transaction timeout.
import RdKafka from '@confluentinc/kafka-javascript';
import pRetry from 'p-retry';
import { KafkaCodes, toError } from './kafka-errors.ts';
import type { StageConsumer } from './stage-consumer.ts';

export interface OutRecord {
  topic: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  /** Explicit partition (changelog); otherwise the key decides. */
  partition?: number;
  /** Kafka timestamp (ms); the broker's time when absent. */
  timestamp?: number;
  headers?: Record<string, string | Buffer>;
}

export interface TransactionalProducer {
  /**
   * Queues records in the open transaction, begun by the first of them: librdkafka delivers them
   * in the background while the stage works on its next batch, so a commit waits only for the
   * last ones. On an error the transaction is aborted (unless the producer is fenced or fatal)
   * and the error rethrown.
   */
  send(records: readonly OutRecord[]): Promise<void>;
  /** Commits the open transaction (one is begun for offsets alone) with the input offsets. */
  commit(offsets: OffsetCommit[], consumer: StageConsumer): Promise<void>;
  /** Aborts the open transaction, if there is one (its records were never visible). */
  abort(): Promise<void>;
  /** Whether records were sent since the last commit or abort. */
  inTransaction(): boolean;
  /**
   * When librdkafka last reported records of a transaction timed out undelivered (a partition
   * without a leader for longer than the transaction timeout), epoch ms; 0: never.
   */
  lastRecordTimeoutAt(): number;
  /** When the open (or the last) transaction began, epoch ms; 0: none yet. */
  transactionStartedAt(): number;
  /** transaction.timeout.ms: past it, the coordinator aborts a transaction itself. */
  readonly transactionTimeoutMs: number;
  disconnect(): Promise<void>;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  offset: number;
  /** Committed beside the offset (a transaction's token); read back with the offset. */
  metadata?: string;
}

export interface ProducerOptions {
  brokers: string[];
  clientId: string;
  transactionalId: string;
  /** Kafka Streams uses 10 s under exactly-once: a dead worker's transaction blocks readers no longer. */
  transactionTimeoutMs?: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const QUEUE_FULL = -184;
/** librdkafka 2.x: "14 message(s) timed out on <topic> [2] (requires epoch bump)". */
const RECORDS_TIMED_OUT = /message\(s\) timed out on /;

/**
 * The call's answer, or after `ms` a fatal error: librdkafka's transactional calls can miss their
 * own timeout and never call back (send_offsets_to_transaction when the group coordinator's
 * broker dies: librdkafka issues 5456 and 5511, open for 2.14 and later; seen here as a stage
 * "committing the transaction" for 215 s after the active controller was killed). Fatal, so the
 * runner replaces the producer (the new one's initTransactions aborts the old transaction and
 * fences the old producer) instead of waiting for ever; the call left behind is abandoned.
 */
export function answeredWithin<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(
        `librdkafka did not answer ${what} within ${Math.round(ms / 1000)} s, past its own timeout`,
      ) as Error & { isFatal: boolean };
      err.isFatal = true;
      reject(err);
    }, ms);
  });
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

const cb =
  <T = void>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (err: unknown, value?: T) =>
    err ? reject(toError(err)) : resolve(value as T);

export async function createTransactionalProducer(
  o: ProducerOptions,
): Promise<TransactionalProducer> {
  const timeoutMs = o.transactionTimeoutMs ?? 10_000;
  const producer = new RdKafka.Producer({
    'bootstrap.servers': o.brokers.join(','),
    'client.id': o.clientId,
    'transactional.id': o.transactionalId,
    'enable.idempotence': true,
    // The partitioner of the Java client and of this package's other producer (the KafkaJS-style
    // one that writes events.raw): a key lands on the same partition number on every topic of
    // the pipeline. librdkafka's default (CRC32) moved 82% of the events to another partition
    // between events.raw and events.enriched, so a slow enrichment worker made the aggregation
    // see other partitions' events late.
    partitioner: 'murmur2_random',
    'transaction.timeout.ms': timeoutMs,
    // librdkafka requires socket.timeout.ms <= transaction.timeout.ms + 100.
    'socket.timeout.ms': timeoutMs,
    'linger.ms': 5,
    'compression.type': 'lz4',
    'queue.buffering.max.messages': 200_000,
    'queue.buffering.max.kbytes': 262_144,
    event_cb: true,
    log_level: 4,
  });
  let lastRecordTimeoutAt = 0;
  producer.on('event.log', (e: { severity: number; fac: string; message: string }) => {
    // No delivery reports here (one callback per record): this log line is how librdkafka
    // tells that a transaction's records timed out, which fails it with an epoch bump.
    if (RECORDS_TIMED_OUT.test(e.message)) lastRecordTimeoutAt = Date.now();
    o.log(e.severity <= 3 ? 'error' : 'warn', `librdkafka ${e.fac}: ${e.message}`);
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 10_000 }, (err) => (err ? reject(toError(err)) : resolve())),
  );
  producer.setPollInBackground(true);
  try {
    await new Promise<void>((resolve, reject) =>
      producer.initTransactions(timeoutMs * 3, cb(resolve, reject)),
    );
  } catch (err) {
    // Not left connected behind the caller's retry.
    producer.setPollInBackground(false);
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()));
    throw err;
  }

  /** Queues one record; false when librdkafka's local queue is full. */
  const tryProduce = (r: OutRecord): boolean => {
    const value =
      r.value === null ? null : typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    const headers = r.headers ? Object.entries(r.headers).map(([k, v]) => ({ [k]: v })) : undefined;
    try {
      producer.produce(
        r.topic,
        r.partition ?? null,
        value,
        r.key ?? null,
        r.timestamp ?? null,
        undefined,
        headers,
      );
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === QUEUE_FULL) return false;
      throw toError(err);
    }
  };

  /**
   * librdkafka's transactional calls, asked again while they fail with a retriable error (a
   * timeout, a coordinator moving during a broker failover): a commit that timed out is still in
   * progress and must be committed again, never aborted (that answered "Conflicting
   * commit_transaction already in progress" and stopped the worker).
   */
  const untilNotRetriable = (what: string, call: (done: (err: unknown) => void) => void) =>
    pRetry(
      () =>
        answeredWithin(
          new Promise<void>((resolve, reject) => call(cb(resolve, reject))),
          timeoutMs * 3 + 10_000,
          what,
        ),
      {
        retries: Number.POSITIVE_INFINITY,
        maxRetryTime: timeoutMs * 6,
        minTimeout: 200,
        maxTimeout: 2000,
        shouldRetry: ({ error }) => (error as { isRetriable?: boolean }).isRetriable === true,
        onFailedAttempt: ({ error, attemptNumber }) => {
          if ((error as { isRetriable?: boolean }).isRetriable === true)
            o.log('warn', `${what} failed (attempt ${attemptNumber}), retrying: ${error.message}`);
        },
      },
    );

  let open = false;
  let startedAt = 0;
  const begin = async () => {
    if (open) return;
    await new Promise<void>((resolve, reject) => producer.beginTransaction(cb(resolve, reject)));
    open = true;
    startedAt = Date.now();
  };

  const abort = async () => {
    if (!open) return;
    open = false;
    await untilNotRetriable('aborting the transaction', (done) =>
      producer.abortTransaction(timeoutMs * 3, done),
    );
  };

  /** Ends a transaction that failed: aborted, and the error rethrown for the caller to act on. */
  const fail = async (err: unknown): Promise<never> => {
    const e = toError(err);
    // A fenced or fatal producer cannot abort; the caller replaces it or stops the worker.
    if (
      (e as { isFatal?: boolean }).isFatal ||
      (e as { code?: number }).code === KafkaCodes.FENCED
    ) {
      open = false;
      throw e;
    }
    try {
      await abort();
    } catch (abortErr) {
      const fatal = toError(abortErr) as Error & { isFatal?: boolean };
      fatal.message = `transaction abort failed after "${e.message}": ${fatal.message}`;
      fatal.isFatal = true;
      // What failed the transaction in the first place (a timeout, say): the caller's call.
      fatal.cause = e;
      throw fatal;
    }
    throw e;
  };

  return {
    async send(records) {
      if (records.length === 0) return;
      try {
        await begin();
        for (const r of records) {
          // A full local queue drains as deliveries complete; one that does not (no broker
          // takes them) fails the transaction rather than wait forever.
          const fullSince = Date.now();
          while (!tryProduce(r)) {
            if (Date.now() - fullSince > timeoutMs * 2)
              throw new Error(
                `librdkafka's local queue stayed full for ${(timeoutMs * 2) / 1000} s: no broker is taking the records`,
              );
            await new Promise((res) => setTimeout(res, 5));
          }
        }
      } catch (err) {
        await fail(err);
      }
    },
    async commit(offsets, consumer) {
      try {
        await begin();
        if (offsets.length > 0)
          await untilNotRetriable('sending the offsets to the transaction', (done) =>
            producer.sendOffsetsToTransaction(offsets, consumer.native, timeoutMs, done),
          );
        await untilNotRetriable('committing the transaction', (done) =>
          producer.commitTransaction(timeoutMs * 3, done),
        );
        open = false;
      } catch (err) {
        await fail(err);
      }
    },
    abort,
    inTransaction: () => open,
    lastRecordTimeoutAt: () => lastRecordTimeoutAt,
    transactionStartedAt: () => startedAt,
    transactionTimeoutMs: timeoutMs,
    disconnect: () =>
      new Promise<void>((resolve) => {
        producer.setPollInBackground(false);
        producer.disconnect(5000, () => resolve());
      }),
  };
}
