// The one stage runner: consume → process → produce-and-commit, for every stage. A stage gives
// its batch function; the runner owns the consumer, the transaction, rebalances, the commit
// cadence, idle ticks, aborts, graceful stop and failure.
//
// Exactly-once stages (`transactional`): the records a batch produced and the input positions go
// in ONE transaction. The committed position is the consumer's position, which librdkafka moves
// past transaction markers, so a caught-up group on a transactional input shows lag 0 (as Kafka
// Streams commits its consumer's position). A failed transaction is aborted, every owned
// partition is rewound to its last committed offset and the stage told to drop what it derived
// from the discarded records; fenced or fatal errors stop the runner (the worker exits non-zero).
//
// At-least-once stages (`external`, the storage writers): the stage writes outside Kafka and
// says which offsets are durable; the runner commits those, awaited, every commit interval.
//
// Rebalances (cooperative-sticky) are applied between batches: before a partition is given up,
// what was processed of it is committed, so it moves with its offsets.

import { randomBytes } from 'node:crypto';
import {
  DEFAULT_STAGE_CONTROL,
  describeStageControl,
  type StageControl,
  type StageState,
} from '@sluice/core';
import pRetry from 'p-retry';
import {
  describeKafkaError,
  fencedByOwnTimeout,
  isFatalKafkaError,
  isFencedKafkaError,
  KafkaFatalError,
} from './kafka-errors.ts';
import {
  type CommittedOffset,
  type ConsumedMessage,
  createStageConsumer,
  type FetchTuning,
  type StageConsumer,
  type TopicPartition,
  tpKey,
} from './stage-consumer.ts';
import {
  createTransactionalProducer,
  type OffsetCommit,
  type OutRecord,
  type TransactionalProducer,
} from './transactional-producer.ts';

export type { ConsumedMessage, FetchTuning, OffsetCommit, OutRecord, TopicPartition };
export type LogFn = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface StageResult {
  /** Records to produce in the batch's transaction (transactional stages). */
  records: OutRecord[];
  /** Runs once the transaction committed (metrics, logs). */
  onCommitted?: () => void;
}

export interface StageContext {
  assignment(): TopicPartition[];
  /** The last committed offset of a partition this member owns (undefined: none yet). */
  committed(tp: TopicPartition): number | undefined;
  /** The transaction token committed with that offset (see `OffsetCommit.metadata`). */
  committedToken(tp: TopicPartition): string | undefined;
  pause(tps: TopicPartition[]): void;
  resume(tps: TopicPartition[]): void;
}

export interface Stage {
  /** A batch of messages over any of the owned partitions, in offset order per partition. */
  process(messages: ConsumedMessage[], ctx: StageContext): Promise<StageResult> | StageResult;
  /** Partitions newly owned, with their committed offsets known; before their first batch. */
  assigned?(tps: TopicPartition[], ctx: StageContext): Promise<void> | void;
  /** Partitions given up (their work committed first, unless the assignment was lost). */
  revoked?(tps: TopicPartition[]): Promise<void> | void;
  /** A transaction failed: what the stage derived from these partitions' records is void. */
  aborted?(tps: TopicPartition[]): void;
  /**
   * Right before a transaction: the input offsets it commits, every owned partition's (past
   * markers), each with the transaction's token as its metadata, so the stage can write state
   * that names them (a changelog's position) into the same transaction.
   */
  prepareCommit?(offsets: OffsetCommit[]): StageResult;
  /** Wall-clock tick with the owned partitions that have nothing left to read. */
  tick?(
    caughtUp: TopicPartition[],
    ctx: StageContext,
  ): Promise<StageResult | undefined> | StageResult | undefined;
  /**
   * External stages: offsets whose records are durable, to commit now. `positions` are the owned
   * partitions' consumer positions past their committed offsets (past transaction markers): a
   * partition whose consumed records are all durable may commit its position (lag 0 when idle).
   */
  durableOffsets?(positions: OffsetCommit[]): OffsetCommit[];
  /** External stages: what was committed. */
  markCommitted?(offsets: OffsetCommit[]): void;
}

export interface StageRunnerOptions {
  brokers: string[];
  groupId: string;
  topics: string[];
  workerId: string;
  /** Static membership: set when the worker id is stable across restarts (a pod name). */
  staticMembership?: boolean;
  maxBatch: number;
  /** When the broker answers a fetch (the consumer's default when absent). */
  fetch?: FetchTuning;
  mode: 'transactional' | 'external';
  /** How often a transaction (or an offset commit) is made at most; 0: after every batch. */
  commitIntervalMs: number;
  tickMs?: number;
  stage: Stage;
  log: LogFn;
  onReady?: (ready: boolean, reason: string) => void;
  /**
   * The stage's desired state from the control channel, read at every turn of the loop:
   * paused stops fetching (the members keep their partitions), stopped leaves the group.
   */
  control?: () => StageControl;
}

export interface RunningStage {
  /** Resolves when stopped on purpose; rejects when the stage cannot go on. */
  done: Promise<void>;
  /** The control state the loop applies now. */
  state(): StageState;
  /** Commit or abort the work in hand, leave the group, close the clients. */
  stop(): Promise<void>;
  /** Milliseconds since the loop last went round (liveness). */
  sinceLastLoopMs(): number;
  /** What the loop is doing now ("consuming", "committing", …), for a stalled loop's report. */
  phase(): string;
  consumer: StageConsumer;
  /**
   * A replaced producer whose close has not finished, described; undefined when none. librdkafka
   * then still holds a thread of libuv's pool with a call it never answered (librdkafka #5456),
   * and process.exit, which joins that pool, would wait for it for good.
   */
  unclosedClient(): string | undefined;
}

const RETRY_BACKOFF_MS = 500;
/** librdkafka's logical offset: the partition's start (what auto.offset.reset=earliest gives). */
const OFFSET_BEGINNING = -2;
const LAST_COMMIT_ATTEMPTS = 3;
/**
 * A fencing this soon after librdkafka reported the transaction's records timed out is taken for
 * the coordinator's abort of that transaction: the commit's retries and the abort take up to
 * about six transaction timeouts (60 s) before the fencing surfaces.
 */
const RECORD_TIMEOUT_FENCING_WINDOW_MS = 120_000;

/**
 * The offsets a transaction commits: every owned partition's, the advanced ones at their new
 * position and the others at their committed offset again, all with the transaction's token.
 * Committing every owned partition makes the group check this member's generation on every
 * transaction (KIP-447): one that carried only output (an idle tick closing windows) and no
 * offsets was never checked, so a member whose partitions had moved on could still commit it.
 * The token tells apart transactions that commit the same offset, for a state restore that
 * must stop at the committed one (a changelog's meta entry names it).
 */
export function transactionOffsets(
  owned: readonly TopicPartition[],
  advanced: readonly OffsetCommit[],
  committed: (tp: TopicPartition) => number | undefined,
  token: string,
): OffsetCommit[] {
  const moved = new Map(advanced.map((off) => [tpKey(off), off.offset]));
  const out: OffsetCommit[] = [];
  for (const tp of owned) {
    const offset = moved.get(tpKey(tp)) ?? committed(tp);
    if (offset !== undefined)
      out.push({ topic: tp.topic, partition: tp.partition, offset, metadata: token });
  }
  return out;
}

export async function startStage(o: StageRunnerOptions): Promise<RunningStage> {
  /** What the group has committed per owned partition: the offset and the token beside it. */
  const committed = new Map<string, CommittedOffset>();
  /** Transaction tokens: unique per runner (a random id) and per transaction (a counter). */
  const runId = randomBytes(6).toString('base64url');
  let transactions = 0;
  const owned = new Map<string, TopicPartition>();
  const pendingAssign: TopicPartition[] = [];
  const pendingRevoke: { tps: TopicPartition[]; lost: boolean }[] = [];
  let closing = false;
  /** The control state applied now (paused: every owned partition paused). */
  let applied: StageState = 'running';

  const consumer = await createStageConsumer({
    brokers: o.brokers,
    clientId: `${o.groupId}-${o.workerId}`,
    groupId: o.groupId,
    ...(o.staticMembership ? { groupInstanceId: `${o.groupId}-${o.workerId}` } : {}),
    maxBatch: o.maxBatch,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    onAssign(tps) {
      // Fetching starts at once; the stage hears of them before their first batch. While the
      // stage is paused they are paused here, before a fetch can bring their records.
      consumer.assign(tps);
      if (applied === 'paused') consumer.pause(tps);
      pendingAssign.push(...tps);
      o.log('info', `partitions assigned: ${describe(tps)}`);
    },
    onRevoke(tps, lost) {
      o.log('info', `partitions ${lost ? 'lost' : 'revoked'}: ${describe(tps)}`);
      if (closing) {
        // Leaving the group: the loop is over and its work committed.
        consumer.unassign(tps);
        for (const tp of tps) owned.delete(tpKey(tp));
      } else pendingRevoke.push({ tps, lost });
    },
    log: o.log,
  });
  let producer: TransactionalProducer | undefined;
  const newProducer = () =>
    createTransactionalProducer({
      brokers: o.brokers,
      clientId: `${o.groupId}-${o.workerId}-tx`,
      transactionalId: `${o.groupId}-${o.workerId}`,
      log: o.log,
    });
  try {
    if (o.mode === 'transactional') producer = await newProducer();
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }

  const ctx: StageContext = {
    assignment: () => [...owned.values()],
    committed: (tp) => committed.get(tpKey(tp))?.offset,
    committedToken: (tp) => committed.get(tpKey(tp))?.metadata,
    pause: (tps) => {
      const mine = tps.filter((tp) => owned.has(tpKey(tp)));
      for (const tp of mine) stagePaused.add(tpKey(tp));
      consumer.pause(mine);
    },
    // A partition the stage resumes stays paused while the stage is paused by the control plane.
    resume: (tps) => {
      const mine = tps.filter((tp) => owned.has(tpKey(tp)));
      for (const tp of mine) stagePaused.delete(tpKey(tp));
      if (applied !== 'paused') consumer.resume(mine);
    },
  };

  let records: OutRecord[] = [];
  let callbacks: (() => void)[] = [];
  let dirty = false;
  let lastCommitAt = Date.now();
  let lastTickAt = Date.now();
  let lastLoopAt = Date.now();
  let phase = 'starting';
  /** Runs one step of the loop under a name, so a loop that stalls says where. */
  const step = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    phase = name;
    return f();
  };
  let stopRequested = false;
  /** Partitions the stage paused itself (a sink down); the control plane's pause is apart. */
  const stagePaused = new Set<string>();

  /** A stage's output joins the work in hand, committed (or aborted) with it. */
  function take(r: StageResult): void {
    // A loop, not push(...): an idle tick that closes a large state hands over more records
    // than a call may have arguments (about 120,000 here: "Maximum call stack size exceeded").
    for (const record of r.records) records.push(record);
    if (r.onCommitted) callbacks.push(r.onCommitted);
  }

  /** Input positions past what was committed: the offsets of the next transaction. */
  function advancedPositions() {
    const offsets: OffsetCommit[] = [];
    for (const [k, pos] of consumer.positions([...owned.values()])) {
      const tp = owned.get(k);
      if (tp && pos > (committed.get(k)?.offset ?? -1)) offsets.push({ ...tp, offset: pos });
    }
    return offsets;
  }

  /**
   * A transaction that failed: fenced for good ends the stage; a fatal producer is replaced; any
   * other failure was aborted. Either way the batch is read again from the committed offsets.
   */
  async function transactionFailed(err: unknown): Promise<void> {
    if (isFencedKafkaError(err) && !fencedAfterTimeout(err))
      throw new KafkaFatalError(`transaction failed for good: ${describeKafkaError(err)}`);
    if (isFatalKafkaError(err)) {
      await replaceProducer(err);
      await rewind();
      return;
    }
    o.log('warn', `transaction aborted, the batch will be read again: ${describeKafkaError(err)}`);
    await rewind();
  }

  /**
   * Hands the work in hand to the open transaction at once rather than at the commit: librdkafka
   * delivers it while the next batch is processed, and the commit waits only for the rest.
   */
  async function sendPending(): Promise<void> {
    if (!producer || records.length === 0) return;
    const batch = records;
    records = [];
    try {
      await producer.send(batch);
    } catch (err) {
      await transactionFailed(err);
    }
  }

  async function commitTransaction(): Promise<void> {
    if (!producer) return;
    const advanced = advancedPositions();
    if (records.length === 0 && advanced.length === 0 && !producer.inTransaction()) {
      dirty = false;
      return;
    }
    const offsets = transactionOffsets(
      [...owned.values()],
      advanced,
      (tp) => committed.get(tpKey(tp))?.offset,
      `${runId}.${(++transactions).toString(36)}`,
    );
    const last = o.stage.prepareCommit?.(offsets);
    if (last) take(last);
    try {
      const batch = records;
      records = [];
      await producer.send(batch);
      await producer.commit(offsets, consumer);
    } catch (err) {
      await transactionFailed(err);
      return;
    }
    for (const off of offsets) {
      committed.set(tpKey(off), { offset: off.offset, metadata: off.metadata });
    }
    const done = callbacks;
    callbacks = [];
    dirty = false;
    lastCommitAt = Date.now();
    for (const f of done) f();
  }

  async function commitDurable(): Promise<void> {
    const offsets = (o.stage.durableOffsets?.(advancedPositions()) ?? []).filter((off) =>
      owned.has(tpKey(off)),
    );
    lastCommitAt = Date.now();
    if (offsets.length === 0) return;
    await consumer.commit(offsets);
    for (const off of offsets) committed.set(tpKey(off), { offset: off.offset });
    o.stage.markCommitted?.(offsets);
  }

  const commit = () => (o.mode === 'transactional' ? commitTransaction() : commitDurable());

  /**
   * External stages: a failed commit is logged and the stage goes on (a later commit covers the
   * same offsets; partitions given up meanwhile are read again from the last commit by their new
   * owner, into idempotent stores); a fatal one stops the stage.
   */
  async function commitDurableOrWarn(consequence: string): Promise<void> {
    try {
      await commitDurable();
    } catch (err) {
      if (isFatalKafkaError(err))
        throw new KafkaFatalError(`offset commit failed: ${describeKafkaError(err)}`);
      o.log('warn', `offset commit failed, ${consequence}: ${describeKafkaError(err)}`);
    }
  }

  /** External stages at a graceful stop: no later commit will cover it, so it is retried. */
  async function lastDurableCommit(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await commitDurable();
        return;
      } catch (err) {
        if (isFatalKafkaError(err) || attempt >= LAST_COMMIT_ATTEMPTS)
          throw new KafkaFatalError(`last offset commit failed: ${describeKafkaError(err)}`);
        o.log('warn', `last offset commit failed, retrying: ${describeKafkaError(err)}`);
        await sleep(RETRY_BACKOFF_MS);
      }
    }
  }

  /**
   * A producer that librdkafka declared fatal without being fenced (during a broker failover:
   * records timed out, then the coordinator, having aborted the transaction itself, refused the
   * abort with INVALID_TXN_STATE) is replaced by a new one with the same transactional id, as
   * Kafka Streams does: its initTransactions() finishes the old transaction (aborted) and fences
   * the old producer, and the batch is read again from the committed offsets. Exiting instead
   * cost a restart and two rebalances per worker and failover. Bounded: if no producer can be
   * made within two minutes, or it is fenced, the worker exits.
   */
  /**
   * Fenced because the transaction timed out, not by another instance: during a failover the
   * coordinator aborts a transaction that outlived transaction.timeout.ms and bumps the
   * producer's epoch, and librdkafka then reports the abort as fenced. The group metadata sent
   * with the offsets (KIP-447) still fences a true zombie, whose partitions moved. At most
   * three times in five minutes (one per broker lost, and a failover run here lost two within
   * 60 s): a second instance with the same worker id would fence this one again and again, and
   * that ends in an exit as before.
   */
  const timeoutFencings: number[] = [];
  let unclosed: string | undefined;
  function fencedAfterTimeout(err: unknown): boolean {
    const timedOut = fencedByOwnTimeout(err, {
      lastRecordTimeoutAt: producer?.lastRecordTimeoutAt() ?? 0,
      transactionStartedAt: producer?.transactionStartedAt() ?? 0,
      transactionTimeoutMs: producer?.transactionTimeoutMs ?? Number.POSITIVE_INFINITY,
      now: Date.now(),
      windowMs: RECORD_TIMEOUT_FENCING_WINDOW_MS,
    });
    if (!timedOut) return false;
    const now = Date.now();
    while (timeoutFencings.length > 0 && now - (timeoutFencings[0] as number) > 300_000)
      timeoutFencings.shift();
    if (timeoutFencings.length >= 3) return false;
    timeoutFencings.push(now);
    return true;
  }

  async function replaceProducer(err: unknown): Promise<void> {
    o.log(
      'warn',
      `the transactional producer failed (${describeKafkaError(err)}); starting a new one with the same transactional id, the batch will be read again`,
    );
    const old = producer;
    producer = undefined;
    if (old) {
      const closing = old.disconnect().catch(() => {});
      const closed = await Promise.race([closing.then(() => true), sleep(5000).then(() => false)]);
      if (!closed) {
        const what = `the transactional producer replaced at ${new Date().toISOString()} has not closed`;
        unclosed = what;
        void closing.then(() => {
          if (unclosed === what) unclosed = undefined;
        });
      }
    }
    try {
      producer = await pRetry(newProducer, {
        retries: Number.POSITIVE_INFINITY,
        maxRetryTime: 120_000,
        minTimeout: 500,
        maxTimeout: 5000,
        shouldRetry: ({ error }) => !isFencedKafkaError(error),
        onFailedAttempt: ({ error, attemptNumber }) =>
          o.log('warn', `a new producer failed (attempt ${attemptNumber}): ${error.message}`),
      });
    } catch (e) {
      throw new KafkaFatalError(`no new transactional producer: ${describeKafkaError(e)}`);
    }
    o.log('info', 'a new transactional producer is ready');
  }

  /** After an abort: back to the last committed offsets, and the stage forgets what it derived. */
  async function rewind(): Promise<void> {
    records = [];
    callbacks = [];
    dirty = false;
    // Records already sent in the open transaction go with it (a lost assignment; after a failed
    // commit it was aborted already). A producer that cannot abort (during a failover the
    // coordinator aborted the transaction itself and refuses ours: INVALID_TXN_STATE, fatal) is
    // replaced: the new one's initTransactions ends what the old left open. Fenced by another
    // instance, the stage ends.
    try {
      await producer?.abort();
    } catch (err) {
      if (isFencedKafkaError(err) && !fencedAfterTimeout(err))
        throw new KafkaFatalError(`transaction abort failed for good: ${describeKafkaError(err)}`);
      await replaceProducer(err);
    }
    const tps = [...owned.values()];
    o.stage.aborted?.(tps);
    // Back to what the broker has committed, the truth after an abort, by seeking: the
    // assignment itself is not touched. (Unassigning and assigning them again here, as this
    // did, was taken by librdkafka as the acknowledgement of a revocation still on its way to
    // the callback, an abort's usual company when a member joins: the partitions were
    // re-added while already given to the new member, and both committed them: duplicates in
    // the worker-crash chaos run.)
    // The stage then hears of them as newly assigned (it rebuilds what it dropped).
    if (tps.length > 0) {
      const offsets = await consumer.committed(tps);
      for (const tp of tps)
        await consumer.seek(tp, offsets.get(tpKey(tp))?.offset ?? OFFSET_BEGINNING);
      for (const tp of tps) owned.delete(tpKey(tp));
      pendingAssign.push(...tps);
    }
    await sleep(RETRY_BACKOFF_MS);
  }

  async function applyRebalance(): Promise<void> {
    while (pendingRevoke.length > 0) {
      const { tps, lost } = pendingRevoke.shift() as { tps: TopicPartition[]; lost: boolean };
      if (lost) {
        // Another member owns them already: nothing of ours may be committed for them. An
        // external stage has no transaction to abort: it only forgets them (revoked, below).
        if (o.mode === 'transactional' && (records.length > 0 || dirty)) {
          await rewind();
        }
      } else if (o.mode === 'external')
        await commitDurableOrWarn('their new owner reads them again from the last commit');
      else if (dirty) await commit();
      await o.stage.revoked?.(tps);
      consumer.unassign(tps);
      const gone = new Set(tps.map(tpKey));
      for (const k of gone) {
        owned.delete(k);
        committed.delete(k);
        stagePaused.delete(k);
      }
      // An abort just before may have queued them for re-assignment: they are not ours now.
      const keep = pendingAssign.filter((tp) => !gone.has(tpKey(tp)));
      pendingAssign.splice(0, pendingAssign.length, ...keep);
    }
    await applyAssignments();
  }

  async function applyAssignments(): Promise<void> {
    if (pendingAssign.length > 0) {
      const tps = pendingAssign.splice(0);
      const offsets = await consumer.committed(tps);
      for (const tp of tps) {
        owned.set(tpKey(tp), tp);
        const c = offsets.get(tpKey(tp));
        if (c !== undefined) committed.set(tpKey(tp), c);
      }
      // librdkafka keeps a partition's pause through an unassign: one paused by the control
      // plane before it was given up (or before a stop) would never be read again.
      if (applied === 'paused') consumer.pause(tps);
      else consumer.resume(tps);
      await o.stage.assigned?.(tps, ctx);
    }
  }

  async function tick(): Promise<void> {
    lastTickAt = Date.now();
    if (!o.stage.tick) return;
    const tps = [...owned.values()];
    const positions = consumer.positions(tps);
    const caughtUp = tps.filter((tp) => {
      const end = consumer.cachedEnd(tp);
      const pos = positions.get(tpKey(tp)) ?? committed.get(tpKey(tp))?.offset;
      return end !== undefined && pos !== undefined && pos >= end;
    });
    const r = await o.stage.tick(caughtUp, ctx);
    if (r) {
      take(r);
      dirty = true;
    }
  }

  /**
   * Brings the consumer to the desired state between batches. Pausing keeps the work in hand
   * (it commits on the usual cadence); stopping unsubscribes, and the revocation that follows
   * commits what was processed before the partitions go.
   */
  function applyControl(): void {
    const want = o.control?.() ?? DEFAULT_STAGE_CONTROL;
    if (want.state === applied) return;
    const from = applied;
    applied = want.state;
    o.log('info', `stage ${describeStageControl(want)} (was ${from})`);
    if (from === 'stopped') consumer.subscribe(o.topics);
    if (want.state === 'stopped') {
      consumer.unsubscribe();
      o.onReady?.(true, `stopped by the control plane: ${describeStageControl(want)}`);
      return;
    }
    const tps = [...owned.values()];
    if (want.state === 'paused') {
      consumer.pause(tps);
      o.onReady?.(true, `paused by the control plane: ${describeStageControl(want)}`);
    } else {
      consumer.resume(tps.filter((tp) => !stagePaused.has(tpKey(tp))));
      o.onReady?.(true, `consuming ${o.topics.join(', ')} as ${o.groupId}`);
    }
  }

  async function loop(): Promise<void> {
    const initial = (o.control?.() ?? DEFAULT_STAGE_CONTROL).state;
    // A worker that starts while its stage is stopped does not join the group at all.
    if (initial === 'stopped') {
      applied = 'stopped';
      o.log(
        'info',
        `stage ${describeStageControl(o.control?.() ?? DEFAULT_STAGE_CONTROL)}: not joining ${o.groupId}`,
      );
    } else {
      applied = initial;
      consumer.subscribe(o.topics);
      if (initial === 'paused')
        o.log(
          'info',
          `stage ${describeStageControl(o.control?.() ?? DEFAULT_STAGE_CONTROL)}: partitions stay paused`,
        );
    }
    o.onReady?.(
      true,
      `${applied === 'running' ? 'consuming' : applied} ${o.topics.join(', ')} as ${o.groupId}`,
    );
    while (!stopRequested) {
      lastLoopAt = Date.now();
      applyControl();
      await step('applying a rebalance', applyRebalance);
      let messages: ConsumedMessage[];
      try {
        messages = await step('consuming', () => consumer.consume());
      } catch (err) {
        if (isFatalKafkaError(err))
          throw new KafkaFatalError(`consumer failed: ${describeKafkaError(err)}`);
        o.log('warn', `consume failed, retrying: ${describeKafkaError(err)}`);
        await sleep(RETRY_BACKOFF_MS);
        continue;
      }
      // A consume in flight may already bring messages of partitions assigned meanwhile: the
      // stage hears of the assignment (and restores) before it sees them. Dropping them instead
      // would lose them, as the position has moved past them.
      // (Revocations wait for the loop's top: these messages are processed and committed first.)
      await step('taking over assigned partitions', applyAssignments);
      // Messages of partitions given up meanwhile are their new owner's to read.
      if (messages.length > 0 && messages.some((m) => !owned.has(tpKey(m)))) {
        messages = messages.filter((m) => owned.has(tpKey(m)));
      }
      if (messages.length > 0) {
        take(await step('processing a batch', () => o.stage.process(messages, ctx)));
        dirty = true;
      }
      // Partitions lost meanwhile (the session expired): another member owns them already, so
      // nothing more is produced or committed until the loop's top has rewound the work in hand.
      if (pendingRevoke.some((r) => r.lost)) continue;
      const tickDue = o.tickMs !== undefined && Date.now() - lastTickAt >= o.tickMs;
      if (tickDue) await step('running the idle tick', tick);
      if (o.mode === 'transactional') await step('producing', sendPending);
      const commitDue = Date.now() - lastCommitAt >= o.commitIntervalMs;
      if (o.mode === 'transactional') {
        // Positions also move past markers with no message: commit those too (lag 0 when idle).
        if ((dirty && commitDue) || (tickDue && advancedPositions().length > 0))
          await step('committing the transaction', commit);
      } else if (commitDue)
        await step('committing offsets', () => commitDurableOrWarn('will retry'));
    }
    // Graceful stop: the work in hand commits (or aborts and is read again by the next owner).
    if (o.mode === 'transactional') {
      if (dirty) await commit();
    } else await lastDurableCommit();
  }

  let failure: Error | undefined;
  const finished = loop().catch((err: Error) => {
    failure = err;
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopRequested = true;
      o.onReady?.(false, 'stopping');
      await finished;
      closing = true;
      await o.stage.revoked?.([...owned.values()]);
      // Revocations that arrived after the loop's last turn (another member joining or leaving
      // while this one stopped) wait for their acknowledgement: closing the consumer without it
      // waited for the rebalance forever.
      for (const { tps } of pendingRevoke.splice(0)) consumer.unassign(tps);
      await consumer.disconnect();
      await producer?.disconnect();
    })();
    return stopping;
  };

  const done = finished.then(async () => {
    if (failure) {
      o.onReady?.(false, `failed: ${failure.message}`);
      // Close what can be closed without waiting on a broken client for long.
      await Promise.race([stop().catch(() => {}), sleep(10_000)]);
      throw failure;
    }
  });

  return {
    done,
    state: () => applied,
    stop,
    sinceLastLoopMs: () => Date.now() - lastLoopAt,
    phase: () => phase,
    consumer,
    unclosedClient: () => unclosed,
  };
}

const describe = (tps: TopicPartition[]) =>
  tps.map((t) => `${t.topic}[${t.partition}]`).join(', ') || '(none)';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
