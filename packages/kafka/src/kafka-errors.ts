// What a Kafka failure means for a stage: go on after an abort (the batch is read again), or stop
// the worker because the client can no longer be trusted (fenced by a newer instance, a fatal
// librdkafka error, a producer whose transaction state is broken). librdkafka marks its errors
// with isFatal / isTxnRequiresAbort / isRetriable; the codes below are the ones that also mean
// "another instance owns this work now".

/** librdkafka's codes (negative: client-side, positive: broker protocol). */
export const KafkaCodes = {
  ASSIGN_PARTITIONS: -175,
  REVOKE_PARTITIONS: -174,
  FENCED: -144,
  TIMED_OUT: -185,
  ALL_BROKERS_DOWN: -187,
  TRANSPORT: -195,
  STATE: -172,
  FATAL: -150,
  PRODUCER_FENCED: 90,
  INVALID_PRODUCER_EPOCH: 47,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  UNKNOWN_MEMBER_ID: 25,
  ILLEGAL_GENERATION: 22,
  REBALANCE_IN_PROGRESS: 27,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
} as const;

/** A failure after which the worker must stop (and its orchestrator start a fresh one). */
export class KafkaFatalError extends Error {
  override readonly name = 'KafkaFatalError';
}

interface LibrdKafkaErrorLike {
  message?: string;
  code?: number;
  isFatal?: boolean;
  isTxnRequiresAbort?: boolean;
  isRetriable?: boolean;
}

const FENCING = new Set<number>([
  KafkaCodes.FENCED,
  KafkaCodes.PRODUCER_FENCED,
  KafkaCodes.INVALID_PRODUCER_EPOCH,
  KafkaCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

/** True when the producer was fenced or hit a fatal error: aborting and retrying cannot help. */
export function isFatalKafkaError(err: unknown): boolean {
  const e = err as LibrdKafkaErrorLike | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.isFatal === true) return true;
  return e.code !== undefined && (FENCING.has(e.code) || e.code === KafkaCodes.FATAL);
}

/**
 * Another instance owns the transactional id now (or the worker may not use it): a new producer
 * would be fenced too, so only a restart with a fresh identity helps.
 */
export function isFencedKafkaError(err: unknown): boolean {
  const e = err as LibrdKafkaErrorLike | undefined;
  return !!e && typeof e === 'object' && e.code !== undefined && FENCING.has(e.code);
}

const COORDINATOR_NOT_READY = new Set<number>([
  KafkaCodes.COORDINATOR_LOAD_IN_PROGRESS,
  KafkaCodes.COORDINATOR_NOT_AVAILABLE,
  KafkaCodes.NOT_COORDINATOR,
]);

/**
 * The group's coordinator is loading, moving or not found yet (a new cluster, a group the
 * cluster has not seen, a broker failover): asking again shortly is the answer.
 */
export function isCoordinatorNotReady(err: unknown): boolean {
  const e = err as LibrdKafkaErrorLike | undefined;
  return !!e && typeof e === 'object' && e.code !== undefined && COORDINATOR_NOT_READY.has(e.code);
}

const TRANSIENT = new Set<number>([
  KafkaCodes.TIMED_OUT,
  KafkaCodes.ALL_BROKERS_DOWN,
  KafkaCodes.TRANSPORT,
  ...COORDINATOR_NOT_READY,
]);

/**
 * A request that may succeed when asked again: librdkafka says so, or it timed out or found no
 * broker or coordinator (a broker failover), and it is not fatal.
 */
export function isTransientKafkaError(err: unknown): boolean {
  const e = err as LibrdKafkaErrorLike | undefined;
  if (!e || typeof e !== 'object' || isFatalKafkaError(err)) return false;
  return e.isRetriable === true || (e.code !== undefined && TRANSIENT.has(e.code));
}

/** A one-line description of a client error: its message and code, never a dumped object. */
export function describeKafkaError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as LibrdKafkaErrorLike).code;
    return code === undefined ? err.message : `${err.message} (code ${code})`;
  }
  const e = err as LibrdKafkaErrorLike | undefined;
  if (e && typeof e === 'object' && typeof e.message === 'string')
    return e.code === undefined ? e.message : `${e.message} (code ${e.code})`;
  return String(err);
}

/** Wraps a callback-style client error into an Error that keeps librdkafka's flags. */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  const e = new Error(describeKafkaError(err)) as Error & LibrdKafkaErrorLike;
  const src = err as LibrdKafkaErrorLike | undefined;
  if (src && typeof src === 'object') {
    if (src.code !== undefined) e.code = src.code;
    if (src.isFatal !== undefined) e.isFatal = src.isFatal;
    if (src.isTxnRequiresAbort !== undefined) e.isTxnRequiresAbort = src.isTxnRequiresAbort;
    if (src.isRetriable !== undefined) e.isRetriable = src.isRetriable;
  }
  return e;
}

export interface TransactionTimes {
  /** When librdkafka last reported a transaction's records timed out (epoch ms; 0: never). */
  lastRecordTimeoutAt: number;
  /** When the failed transaction began (epoch ms; 0: unknown). */
  transactionStartedAt: number;
  /** transaction.timeout.ms: past it, the coordinator aborts the transaction itself. */
  transactionTimeoutMs: number;
  now: number;
  /** How long after a record timeout a fencing is still taken for its consequence. */
  windowMs: number;
}

/**
 * A fencing that the transaction's own timeout caused, not another instance: during a broker
 * failover the coordinator aborts a transaction that outlived transaction.timeout.ms and bumps
 * the producer's epoch, and librdkafka then reports the failed transaction (or its abort, its
 * commit, its offsets) as fenced. Told by the transaction's error saying it timed out, by
 * librdkafka having reported the transaction's records timed out within `windowMs` (the error is
 * then a later one: "Erroneous state" from sending the offsets), or by the transaction having
 * been open longer than its timeout (its commit stuck while the coordinator moved).
 */
export function fencedByOwnTimeout(err: unknown, t: TransactionTimes): boolean {
  const e = err as { cause?: LibrdKafkaErrorLike } | undefined;
  const cause = e?.cause;
  if (cause?.code === KafkaCodes.TIMED_OUT || /timed out/i.test(cause?.message ?? '')) return true;
  if (t.lastRecordTimeoutAt > 0 && t.now - t.lastRecordTimeoutAt <= t.windowMs) return true;
  return t.transactionStartedAt > 0 && t.now - t.transactionStartedAt > t.transactionTimeoutMs;
}
