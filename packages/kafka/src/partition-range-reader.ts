// Reads given partitions over a range: from the first record at or after a time up to (not
// including) an offset, read_committed, outside any consumer group. A stage restores state that
// is a function of its input this way (the enrichment stage's duplicate window: the records of
// the last horizon up to the group's committed offset), with no changelog to write.
import RdKafka from '@confluentinc/kafka-javascript';
import { toError } from './kafka-errors.ts';
import { type ConsumedMessage, type TopicPartition, tpKey } from './stage-consumer.ts';

export interface PartitionRange extends TopicPartition {
  /** Start at the first record whose timestamp is at or after this (epoch ms). */
  sinceMs: number;
  /** Stop before this offset (a committed offset: the next one to read). */
  untilOffset: number;
}

export interface ReadRangesOptions {
  brokers: string[];
  clientId: string;
  ranges: readonly PartitionRange[];
  /** Records of the ranges, in offset order per partition; never one at or past its end. */
  onMessages(messages: ConsumedMessage[]): void;
  timeoutMs: number;
  batch?: number;
}

const call = <T>(f: (cb: (err: unknown, v: T) => void) => void) =>
  new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(toError(err)) : resolve(v))));

/** Reads the ranges; resolves with the number of records handed over. */
export async function readPartitionRanges(o: ReadRangesOptions): Promise<number> {
  const todo = o.ranges.filter((r) => r.untilOffset > 0);
  if (todo.length === 0) return 0;
  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': o.brokers.join(','),
      'client.id': o.clientId,
      // Required by the client; only assign() is used, so no group is joined or committed to.
      'group.id': `${o.clientId}-range-reader`,
      'isolation.level': 'read_committed',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'fetch.wait.max.ms': 100,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await call<unknown>((cb) => consumer.connect({ timeout: 10_000 }, cb));
  let records = 0;
  try {
    const starts = await call<{ topic: string; partition: number; offset?: number }[]>((cb) =>
      consumer.offsetsForTimes(
        todo.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.sinceMs })),
        10_000,
        cb,
      ),
    );
    const end = new Map(todo.map((r) => [tpKey(r), r.untilOffset]));
    // No record at or after the time (offset -1): nothing of the range to read.
    const assign = starts.filter(
      (s) => s.offset !== undefined && s.offset >= 0 && s.offset < (end.get(tpKey(s)) ?? 0),
    );
    if (assign.length === 0) return 0;
    const pending = new Set(assign.map((s) => tpKey(s)));
    consumer.assign(
      assign.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset })),
    );
    consumer.setDefaultConsumeTimeout(200);
    const deadline = Date.now() + o.timeoutMs;
    while (pending.size > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `reading ${[...pending].map((k) => `${k.replace('\u0000', '[')}]`).join(', ')} up to their committed offsets took over ${o.timeoutMs} ms`,
        );
      const messages = await call<ConsumedMessage[]>((cb) => consumer.consume(o.batch ?? 5000, cb));
      const wanted = messages.filter((m) => m.offset < (end.get(tpKey(m)) ?? 0));
      if (wanted.length > 0) {
        records += wanted.length;
        o.onMessages(wanted);
      }
      // The position passes transaction markers too, which no message shows.
      for (const p of consumer.position(
        assign.map((s) => ({ topic: s.topic, partition: s.partition })),
      ))
        if (p.offset !== undefined && p.offset >= (end.get(tpKey(p)) ?? 0))
          pending.delete(tpKey(p));
    }
    return records;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
