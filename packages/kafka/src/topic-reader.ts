// Bounded reads of any topic for people: a page of one partition's records (newest first) for the
// console's message browser, and a search for one record by a predicate inside a time window of
// Kafka timestamps (the event trace). Both read_committed, outside any consumer group (assign()
// only, nothing committed), with a record cap and a time budget: a topic is never loaded whole.
import RdKafka from '@confluentinc/kafka-javascript';
import { toError } from './kafka-errors.ts';
import { type ConsumedMessage, messageKey, type TopicPartition, tpKey } from './stage-consumer.ts';

/** The most records one page may hold. */
export const MAX_PAGE_RECORDS = 200;

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka timestamp (epoch ms); null when the record has none. */
  timestampMs: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: { name: string; value: Buffer }[];
}

export type PageStart =
  /** The newest records before this offset (exclusive); omitted: before the end. */
  | { kind: 'before'; offset?: number }
  /** Records from this offset on. */
  | { kind: 'from'; offset: number }
  /** Records from the first one whose timestamp is at or after this (epoch ms). */
  | { kind: 'time'; ms: number };

export interface PageRequest {
  topic: string;
  partition: number;
  start: PageStart;
  limit: number;
  timeoutMs: number;
}

export interface PartitionPage {
  topic: string;
  partition: number;
  /** Log start offset and last stable offset (the end a read_committed reader reaches). */
  low: number;
  lastStable: number;
  /** The half-open offset range the page covered: [from, until). */
  from: number;
  until: number;
  /** Newest first. Offsets in the range without a record are transaction markers or compacted. */
  records: ReadRecord[];
  /** The time budget ran out before the range was read: the page is partial. */
  partial: boolean;
}

export interface ReaderOptions {
  brokers: string[];
  clientId: string;
}

const call = <T>(f: (cb: (err: unknown, v: T) => void) => void) =>
  new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(toError(err)) : resolve(v))));

function toRecord(m: ConsumedMessage): ReadRecord {
  const headers: ReadRecord['headers'] = [];
  for (const h of m.headers ?? [])
    for (const [name, v] of Object.entries(h))
      headers.push({ name, value: typeof v === 'string' ? Buffer.from(v) : Buffer.from(v) });
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestampMs: m.timestamp !== undefined && m.timestamp >= 0 ? m.timestamp : null,
    key: messageKey(m),
    value: m.value ?? null,
    headers,
  };
}

async function openConsumer(o: ReaderOptions): Promise<RdKafka.KafkaConsumer> {
  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': o.brokers.join(','),
      'client.id': o.clientId,
      // Required by the client; only assign() is used, so no group is joined or committed to.
      'group.id': `${o.clientId}-reader`,
      'isolation.level': 'read_committed',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'fetch.wait.max.ms': 100,
      // A page is small: do not prefetch megabytes per partition.
      'queued.max.messages.kbytes': 4096,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await call<unknown>((cb) => consumer.connect({ timeout: 10_000 }, cb));
  consumer.setDefaultConsumeTimeout(200);
  return consumer;
}

const close = (c: RdKafka.KafkaConsumer) =>
  new Promise<void>((resolve) => c.disconnect(() => resolve()));

/**
 * Reads [start, until) of each partition from `starts`, handing records over in batches; stops
 * when every partition's position reached its end, when `onRecords` returns true (found), or
 * when the budget runs out. Returns whether it stopped early for lack of time.
 */
async function readRanges(
  consumer: RdKafka.KafkaConsumer,
  ranges: { tp: TopicPartition; from: number; until: number }[],
  timeoutMs: number,
  onRecords: (records: ReadRecord[]) => boolean,
): Promise<{ timedOut: boolean }> {
  const todo = ranges.filter((r) => r.from < r.until);
  if (todo.length === 0) return { timedOut: false };
  const end = new Map(todo.map((r) => [tpKey(r.tp), r.until]));
  const pending = new Set(end.keys());
  consumer.assign(
    todo.map((r) => ({ topic: r.tp.topic, partition: r.tp.partition, offset: r.from })),
  );
  const deadline = Date.now() + timeoutMs;
  try {
    while (pending.size > 0) {
      if (Date.now() > deadline) return { timedOut: true };
      const messages = await call<ConsumedMessage[]>((cb) => consumer.consume(500, cb));
      const wanted = messages
        .filter((m) => m.offset < (end.get(tpKey(m)) ?? 0))
        .map((m) => toRecord(m));
      if (wanted.length > 0 && onRecords(wanted)) return { timedOut: false };
      // The position passes transaction markers too, which no message shows.
      for (const p of consumer.position(todo.map((r) => r.tp)))
        if (p.offset !== undefined && p.offset >= (end.get(tpKey(p)) ?? 0))
          pending.delete(tpKey(p));
    }
    return { timedOut: false };
  } finally {
    consumer.unassign();
  }
}

async function watermarks(c: RdKafka.KafkaConsumer, tp: TopicPartition) {
  return call<{ lowOffset: number; highOffset: number }>((cb) =>
    c.queryWatermarkOffsets(tp.topic, tp.partition, 5000, cb),
  );
}

async function offsetForTime(
  c: RdKafka.KafkaConsumer,
  tps: TopicPartition[],
  ms: number,
): Promise<Map<string, number>> {
  const found = await call<{ topic: string; partition: number; offset?: number }[]>((cb) =>
    c.offsetsForTimes(
      tps.map((tp) => ({ ...tp, offset: ms })),
      5000,
      cb,
    ),
  );
  // -1: no record at or after the time.
  return new Map(found.map((f) => [tpKey(f), f.offset ?? -1]));
}

/** One page of a partition's records, newest first. */
export async function readPartitionPage(o: ReaderOptions & PageRequest): Promise<PartitionPage> {
  const limit = Math.max(1, Math.min(MAX_PAGE_RECORDS, Math.floor(o.limit)));
  const tp = { topic: o.topic, partition: o.partition };
  const consumer = await openConsumer(o);
  try {
    // Asked by a read_committed client, the broker answers the last stable offset: the page
    // must not reach past an open transaction or the read would wait out the budget.
    const { lowOffset: low, highOffset: lso } = await watermarks(consumer, tp);
    let from: number;
    let until: number;
    if (o.start.kind === 'before') {
      until = Math.max(low, Math.min(o.start.offset ?? lso, lso));
      from = Math.max(low, until - limit);
    } else {
      const at =
        o.start.kind === 'from'
          ? o.start.offset
          : ((await offsetForTime(consumer, [tp], o.start.ms)).get(tpKey(tp)) ?? -1);
      from = at < 0 ? lso : Math.max(low, Math.min(at, lso));
      until = Math.min(lso, from + limit);
    }
    const records: ReadRecord[] = [];
    const { timedOut } = await readRanges(consumer, [{ tp, from, until }], o.timeoutMs, (rs) => {
      records.push(...rs);
      return false;
    });
    records.sort((a, b) => b.offset - a.offset);
    return { ...tp, low, lastStable: lso, from, until, records, partial: timedOut };
  } finally {
    await close(consumer);
  }
}

export interface FindRequest {
  topic: string;
  /** Partitions to search; omitted: every partition of the topic. */
  partitions?: number[];
  /** The window of Kafka timestamps to search, epoch ms, inclusive start. */
  sinceMs: number;
  untilMs: number;
  /** The predicate; `hint` bytes, when given, must occur in the value before it is called. */
  match(record: ReadRecord): boolean;
  hint?: Buffer;
  /** Stop after reading this many records. */
  maxRecords: number;
  timeoutMs: number;
}

export interface FindResult {
  found: ReadRecord | null;
  /** Records read to get there. */
  read: number;
  /** Why the search ended without a record: the window was read, the cap or the budget. */
  exhausted: 'window' | 'records' | 'time' | null;
}

/** Looks for one record inside a window of Kafka timestamps, without reading outside it. */
export async function findRecordInWindow(o: ReaderOptions & FindRequest): Promise<FindResult> {
  const consumer = await openConsumer(o);
  try {
    let partitions = o.partitions;
    if (!partitions) {
      const md = await call<RdKafka.Metadata>((cb) =>
        consumer.getMetadata({ topic: o.topic, timeout: 5000 }, cb),
      );
      partitions = (md.topics.find((t) => t.name === o.topic)?.partitions ?? []).map((p) => p.id);
    }
    const tps = partitions.map((partition) => ({ topic: o.topic, partition }));
    if (tps.length === 0) return { found: null, read: 0, exhausted: 'window' };
    const starts = await offsetForTime(consumer, tps, o.sinceMs);
    // The first record after the window ends it; none after it: the window runs to the end.
    const ends = await offsetForTime(consumer, tps, o.untilMs + 1);
    const ranges = [];
    for (const tp of tps) {
      const from = starts.get(tpKey(tp)) ?? -1;
      if (from < 0) continue;
      let until = ends.get(tpKey(tp)) ?? -1;
      if (until < 0) until = (await watermarks(consumer, tp)).highOffset;
      ranges.push({ tp, from, until });
    }
    let read = 0;
    let found: ReadRecord | null = null;
    let capped = false;
    const { timedOut } = await readRanges(consumer, ranges, o.timeoutMs, (records) => {
      for (const r of records) {
        read += 1;
        if (o.hint && !r.value?.includes(o.hint)) continue;
        if (o.match(r)) {
          found = r;
          return true;
        }
      }
      if (read >= o.maxRecords) capped = true;
      return capped;
    });
    return {
      found,
      read,
      exhausted: found ? null : timedOut ? 'time' : capped ? 'records' : 'window',
    };
  } finally {
    await close(consumer);
  }
}
