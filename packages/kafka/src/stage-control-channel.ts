// The control channel: each stage's desired state (running, paused, stopped) as the latest record
// per consumer group on a compacted one-partition topic. Workers follow it with a reader outside
// any group (every worker reads every record); the console and the CLI publish to it and read it.
// Kafka keeps it, so it survives worker restarts, and a worker reads it to its end before joining
// its group: a worker that starts while its stage is paused stays paused.
import RdKafka from '@confluentinc/kafka-javascript';
import {
  DEFAULT_STAGE_CONTROL,
  parseStageControl,
  type StageControl,
  stageControlSchema,
} from '@sluice/core';
import { createKafka, createProducer, type Kafka } from './kafka-client.ts';
import { describeKafkaError, toError } from './kafka-errors.ts';

export interface ControlWatcher {
  /** The latest control of a consumer group (running if none was ever set). */
  get(groupId: string): StageControl;
  /** Every group that has a control record. */
  all(): Map<string, StageControl>;
  close(): Promise<void>;
}

export interface ControlWatcherOptions {
  brokers: string[];
  clientId: string;
  topic: string;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** How long to wait for the channel's current end at start (then go on with what was read). */
  startTimeoutMs?: number;
  /** Called when a group's control changes after start. */
  onChange?: (groupId: string, control: StageControl) => void;
}

const call = <T>(f: (cb: (err: unknown, v: T) => void) => void) =>
  new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(toError(err)) : resolve(v))));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UNKNOWN_TOPIC = 3;
const UNKNOWN_TOPIC_LOCAL = -188;
const OFFSET_BEGINNING = -2;

/**
 * Follows the control topic: resolves once it has read up to the end the topic had at start (or
 * the start timeout passed, said in the log), then keeps following it until closed.
 */
export async function watchStageControls(o: ControlWatcherOptions): Promise<ControlWatcher> {
  const latest = new Map<string, StageControl>();
  const consumer = new RdKafka.KafkaConsumer(
    {
      'bootstrap.servers': o.brokers.join(','),
      'client.id': o.clientId,
      // Required by the client; only assign() is used: no group is joined, nothing committed.
      'group.id': `${o.clientId}-control-reader`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'fetch.wait.max.ms': 500,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await call<unknown>((cb) => consumer.connect({ timeout: 10_000 }, cb));
  consumer.setDefaultConsumeTimeout(500);

  let end = 0;
  try {
    const w = await call<{ highOffset: number }>((cb) =>
      consumer.queryWatermarkOffsets(o.topic, 0, 10_000, cb),
    );
    end = w.highOffset;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === UNKNOWN_TOPIC || code === UNKNOWN_TOPIC_LOCAL)
      o.log(
        'warn',
        `control topic ${o.topic} does not exist (create it with 'sluice topics create'): every stage runs`,
      );
    else o.log('warn', `control topic ${o.topic}: ${describeKafkaError(err)}; reading it anyway`);
  }
  consumer.assign([{ topic: o.topic, partition: 0, offset: OFFSET_BEGINNING }]);

  let position = 0;
  let closed = false;
  let started = false;
  const apply = (messages: RdKafka.Message[]) => {
    // The reader's position, not the last offset + 1: compaction leaves gaps.
    const [p] = consumer.position([{ topic: o.topic, partition: 0 }]);
    if (p?.offset !== undefined && p.offset >= 0) position = p.offset;
    for (const m of messages) {
      position = Math.max(position, m.offset + 1);
      const key = m.key?.toString();
      if (!key) continue;
      const r = parseStageControl(m.value);
      if (!r.ok) {
        o.log('warn', `control record ${m.offset} for ${key} ignored: ${r.error}`);
        continue;
      }
      latest.set(key, r.control);
      if (started) o.onChange?.(key, r.control);
    }
  };

  const deadline = Date.now() + (o.startTimeoutMs ?? 15_000);
  while (position < end && Date.now() < deadline) {
    try {
      apply(await call<RdKafka.Message[]>((cb) => consumer.consume(1000, cb)));
    } catch (err) {
      o.log('warn', `reading the control topic: ${describeKafkaError(err)}`);
      await sleep(500);
    }
  }
  if (position < end)
    o.log(
      'warn',
      `the control topic was read up to ${position} of ${end} at start; going on, later records apply as they come`,
    );
  started = true;

  const following = (async () => {
    while (!closed) {
      try {
        apply(await call<RdKafka.Message[]>((cb) => consumer.consume(1000, cb)));
      } catch (err) {
        if (closed) break;
        o.log('warn', `reading the control topic: ${describeKafkaError(err)}`);
        await sleep(1000);
      }
    }
  })();

  return {
    get: (groupId) => latest.get(groupId) ?? DEFAULT_STAGE_CONTROL,
    all: () => new Map(latest),
    async close() {
      closed = true;
      await following;
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    },
  };
}

/** Sets a group's control: one record, acknowledged by every in-sync replica. */
export async function publishStageControl(
  kafka: Kafka,
  topic: string,
  groupId: string,
  control: StageControl,
): Promise<void> {
  const value = JSON.stringify(stageControlSchema.parse(control));
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: groupId, value }] });
  } finally {
    await producer.disconnect();
  }
}

/** The controls set so far, read once to the topic's end (the console, the CLI). */
export async function readStageControls(o: {
  brokers: string[];
  clientId: string;
  topic: string;
  log?: ControlWatcherOptions['log'];
}): Promise<Map<string, StageControl>> {
  const watcher = await watchStageControls({
    ...o,
    log: o.log ?? (() => {}),
    startTimeoutMs: 10_000,
  });
  const all = watcher.all();
  await watcher.close();
  return all;
}

/** The console's handle on the channel: follows it for reads, publishes for writes. */
export interface StageControlClient {
  /** Every group's control set so far (a group with none runs). */
  list(): Promise<Map<string, StageControl>>;
  /** Publishes, then waits (up to 5 s) until the channel reads it back, so a list after it shows it. */
  set(groupId: string, control: StageControl): Promise<void>;
  close(): Promise<void>;
}

export function createStageControlClient(o: {
  brokers: string[];
  clientId: string;
  topic: string;
  log?: ControlWatcherOptions['log'];
}): StageControlClient {
  let watcher: Promise<ControlWatcher> | undefined;
  // One follower per process, made on first use and made again after it failed to start.
  const follow = () => {
    watcher ??= watchStageControls({ ...o, log: o.log ?? (() => {}) }).catch((err: unknown) => {
      watcher = undefined;
      throw err;
    });
    return watcher;
  };
  const kafka = createKafka({ brokers: o.brokers, clientId: o.clientId, logLevel: 'nothing' });
  return {
    list: async () => (await follow()).all(),
    async set(groupId, control) {
      const w = await follow();
      await publishStageControl(kafka, o.topic, groupId, control);
      const deadline = Date.now() + 5000;
      while (w.get(groupId).at !== control.at && Date.now() < deadline) await sleep(100);
    },
    async close() {
      const w = await watcher?.catch(() => undefined);
      await w?.close();
    },
  };
}
