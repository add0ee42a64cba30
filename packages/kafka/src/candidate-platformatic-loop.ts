// A candidate client measured against the one that ships (issue 13, "Kafka client by
// measurement"): @platformatic/kafka, a client written in JavaScript, running a stage's
// consume → process → produce loop exactly once, with the stage's own batch function in the
// middle. Records go into the open transaction as each batch makes them; every commit interval
// the input positions join it (TxnOffsetCommit with the group's generation and member id, as
// KIP-447 fences a zombie) and it commits. Input is read read_committed.
//
// For `sluice bench` only: no worker runs it. It leaves rebalances to the client (the stage hears
// of no assignment), has no control channel, and on a failed transaction it stops rather than
// rewinding; the kill, fence and scale tests that qualify the shipping runner have not run on it.
import { Consumer, compatibilityPartitioner, type Message, Producer } from '@platformatic/kafka';
import type { ConsumedMessage, FetchTuning, TopicPartition } from './stage-consumer.ts';
import type { Stage, StageContext } from './stage-runner.ts';
import type { OutRecord } from './transactional-producer.ts';

export interface CandidateLoopOptions {
  brokers: string[];
  groupId: string;
  topic: string;
  transactionalId: string;
  maxBatch: number;
  commitIntervalMs: number;
  fetch?: FetchTuning;
  /**
   * The stage, as the shipping runner drives it: told of a partition before its first batch
   * (with the offset it starts from as the committed one), its batches processed, its
   * onCommitted run after each commit. Ticks, pauses and aborts do not happen here.
   */
  stage: Pick<Stage, 'process' | 'assigned'>;
  /** Called once the group is joined and the first records arrived. */
  onRunning?: () => void;
  signal: AbortSignal;
}

export interface CandidateLoopResult {
  consumed: number;
  produced: number;
  transactions: number;
}

const asBuffer = (v: Buffer | string | null | undefined): Buffer | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'string' ? Buffer.from(v) : v;

/** The shape the stages read (librdkafka's message), from the candidate's. */
function toConsumed(m: Message): ConsumedMessage {
  const headers =
    m.headers.size === 0
      ? undefined
      : [...m.headers].map(([k, v]) => ({ [k.toString()]: v as Buffer }));
  return {
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    value: m.value,
    size: m.value?.length ?? 0,
    key: m.key ?? undefined,
    timestamp: Number(m.timestamp),
    ...(headers ? { headers } : {}),
  };
}

const bytes = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

function toProduce(r: OutRecord) {
  return {
    topic: r.topic,
    key: asBuffer(r.key),
    value: asBuffer(r.value),
    ...(r.partition !== undefined ? { partition: r.partition } : {}),
    ...(r.timestamp !== undefined ? { timestamp: BigInt(r.timestamp) } : {}),
    ...(r.headers
      ? {
          headers: new Map(
            Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), bytes(v)] as const),
          ),
        }
      : {}),
  };
}

/**
 * Sends of at most about 512 KB: the client puts a send's records for one partition in one
 * record batch, and the broker refuses a batch over message.max.bytes (1 MB) with
 * MESSAGE_TOO_LARGE. librdkafka splits its batches at batch.size (1 MB) itself.
 */
function chunks<T extends { value?: Buffer; key?: Buffer }>(messages: T[]): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + (m.key?.length ?? 0) + 64;
    if (chunk.length > 0 && bytes + size > 512 * 1024) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

export async function runCandidateLoop(o: CandidateLoopOptions): Promise<CandidateLoopResult> {
  const consumer = new Consumer({
    clientId: `${o.groupId}-candidate`,
    bootstrapBrokers: o.brokers,
    groupId: o.groupId,
    autocommit: false,
    ...(o.fetch ? { minBytes: o.fetch.minBytes, maxWaitTime: o.fetch.waitMaxMs } : {}),
  });
  const producer = new Producer({
    clientId: `${o.groupId}-candidate-tx`,
    bootstrapBrokers: o.brokers,
    idempotent: true,
    transactionalId: o.transactionalId,
    // The Java client's murmur2 (the shipping producer's murmur2_random): a key lands in the
    // partition it would with the worker. The client's default differs in the sign bit.
    partitioner: compatibilityPartitioner,
  });
  const result: CandidateLoopResult = { consumed: 0, produced: 0, transactions: 0 };
  const stream = await consumer.consume({
    topics: [o.topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
  });
  let buffer: Message[] = [];
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  stream.on('data', (m: Message) => {
    buffer.push(m);
    if (buffer.length >= o.maxBatch * 4) stream.pause();
    wake?.();
  });
  stream.on('error', (err: Error) => {
    failed = err;
    wake?.();
  });
  const abort = () => wake?.();
  o.signal.addEventListener('abort', abort);

  let tx: Awaited<ReturnType<typeof producer.beginTransaction>> | undefined;
  /**
   * The transaction's sends, one after the other while the next batch is processed: the client
   * runs a producer's concurrent AddPartitionsToTxn as one, so concurrent sends to new
   * partitions fail ("Producing messages failed").
   */
  let sends: Promise<unknown> = Promise.resolve();
  /** The last record taken of each partition: its offset + 1 is the position to commit. */
  const last = new Map<string, Message>();
  let lastCommitAt = Date.now();
  let running = false;
  let callbacks: (() => void)[] = [];
  /** Partitions seen, with the offset their first record had: the committed one. */
  const started = new Map<string, TopicPartition & { from: number }>();
  const ctx: StageContext = {
    assignment: () => [...started.values()].map(({ topic, partition }) => ({ topic, partition })),
    committed: (tp) => started.get(`${tp.topic}:${tp.partition}`)?.from,
    // The candidate runs stateless stages only (the enrichment bench): no token to restore by.
    committedToken: () => undefined,
    pause: () => {},
    resume: () => {},
  };

  const commit = async () => {
    lastCommitAt = Date.now();
    if (last.size === 0) return;
    tx ??= await producer.beginTransaction();
    await sends;
    await tx.addConsumer(consumer);
    // One TxnOffsetCommit per partition, one after the other: the client runs concurrent
    // commits of a producer as one (it deduplicates them by operation), so in parallel only one
    // partition's offset would be committed. librdkafka sends them all in one request.
    for (const m of last.values()) await tx.addOffset(m);
    await tx.commit();
    tx = undefined;
    last.clear();
    result.transactions++;
    const done = callbacks;
    callbacks = [];
    for (const f of done) f();
  };

  try {
    while (!o.signal.aborted) {
      if (failed) throw failed;
      if (buffer.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(1, o.commitIntervalMs - (Date.now() - lastCommitAt)));
        });
        wake = undefined;
      }
      if (buffer.length > 0) {
        const batch = buffer.length <= o.maxBatch ? buffer : buffer.slice(0, o.maxBatch);
        buffer = buffer.length <= o.maxBatch ? [] : buffer.slice(o.maxBatch);
        if (stream.isPaused() && buffer.length < o.maxBatch * 2) stream.resume();
        if (!running) {
          running = true;
          o.onRunning?.();
        }
        const fresh: (TopicPartition & { from: number })[] = [];
        for (const m of batch) {
          const k = `${m.topic}:${m.partition}`;
          if (started.has(k)) continue;
          const tp = { topic: m.topic, partition: m.partition, from: Number(m.offset) };
          started.set(k, tp);
          fresh.push(tp);
        }
        if (fresh.length > 0) await o.stage.assigned?.(fresh, ctx);
        const r = await o.stage.process(batch.map(toConsumed), ctx);
        const out = r.records;
        if (r.onCommitted) callbacks.push(r.onCommitted);
        result.consumed += batch.length;
        for (const m of batch) last.set(`${m.topic}:${m.partition}`, m);
        if (out.length > 0) {
          tx ??= await producer.beginTransaction();
          result.produced += out.length;
          const open = tx;
          for (const messages of chunks(out.map(toProduce))) {
            sends = sends.then(() => open.send({ messages }));
          }
          // Awaited at the commit; a failure meanwhile must not be an unhandled rejection.
          sends.catch(() => {});
        }
      }
      if (Date.now() - lastCommitAt >= o.commitIntervalMs) await commit();
    }
    await commit();
    return result;
  } finally {
    o.signal.removeEventListener('abort', abort);
    if (tx && !tx.completed) await tx.abort().catch(() => {});
    await stream.close().catch(() => {});
    await consumer.close().catch(() => {});
    await producer.close().catch(() => {});
  }
}
