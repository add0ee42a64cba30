import { describe, expect, it } from 'vitest';
import {
  describeKafkaError,
  fencedByOwnTimeout,
  isCoordinatorNotReady,
  isFatalKafkaError,
  isTransientKafkaError,
  KafkaCodes,
  toError,
} from './kafka-errors.ts';

describe('isFatalKafkaError', () => {
  it('stops on a fenced producer, by code or by librdkafka flag', () => {
    expect(isFatalKafkaError({ message: 'fenced', code: KafkaCodes.FENCED })).toBe(true);
    expect(isFatalKafkaError({ message: 'x', code: KafkaCodes.PRODUCER_FENCED })).toBe(true);
    expect(isFatalKafkaError({ message: 'x', code: KafkaCodes.INVALID_PRODUCER_EPOCH })).toBe(true);
    expect(isFatalKafkaError({ message: 'x', code: 1, isFatal: true })).toBe(true);
  });

  it('goes on after errors an abort and a re-read can cure', () => {
    expect(isFatalKafkaError({ message: 'x', code: KafkaCodes.REBALANCE_IN_PROGRESS })).toBe(false);
    expect(isFatalKafkaError({ message: 'x', code: 7, isTxnRequiresAbort: true })).toBe(false);
    expect(isFatalKafkaError(new Error('timeout'))).toBe(false);
    expect(isFatalKafkaError(undefined)).toBe(false);
  });
});

describe('toError / describeKafkaError', () => {
  it('keeps the code and flags of a client error object, on one line', () => {
    const e = toError({
      message: 'Local: Broker transport failure',
      code: -195,
      isRetriable: true,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('Local: Broker transport failure (code -195)');
    expect((e as Error & { isRetriable?: boolean }).isRetriable).toBe(true);
    expect(isFatalKafkaError(toError({ message: 'x', code: KafkaCodes.FENCED }))).toBe(true);
    expect(describeKafkaError('plain')).toBe('plain');
  });
});

describe('isCoordinatorNotReady', () => {
  it('asks again while a group coordinator loads or moves, not on other errors', () => {
    for (const code of [14, 15, 16])
      expect(isCoordinatorNotReady({ message: 'x', code })).toBe(true);
    expect(isCoordinatorNotReady(toError({ message: 'Broker: Not coordinator', code: 16 }))).toBe(
      true,
    );
    expect(isCoordinatorNotReady({ message: 'x', code: KafkaCodes.FENCED })).toBe(false);
    expect(isCoordinatorNotReady(new Error('timeout'))).toBe(false);
    expect(isCoordinatorNotReady(undefined)).toBe(false);
  });
});

describe('isTransientKafkaError', () => {
  it('asks again after timeouts, lost brokers and a moving coordinator, or when librdkafka says so', () => {
    for (const code of [KafkaCodes.TIMED_OUT, KafkaCodes.TRANSPORT, KafkaCodes.NOT_COORDINATOR])
      expect(isTransientKafkaError(toError({ message: 'x', code }))).toBe(true);
    expect(isTransientKafkaError({ message: 'x', code: 7, isRetriable: true })).toBe(true);
  });

  it('never retries what is fatal or unknown', () => {
    expect(isTransientKafkaError({ message: 'x', code: -185, isFatal: true })).toBe(false);
    expect(isTransientKafkaError({ message: 'x', code: KafkaCodes.FENCED })).toBe(false);
    expect(isTransientKafkaError({ message: 'x', code: KafkaCodes.STATE })).toBe(false);
    expect(isTransientKafkaError(new Error('bug'))).toBe(false);
    expect(isTransientKafkaError(undefined)).toBe(false);
  });
});

describe('fencedByOwnTimeout', () => {
  const fenced = (cause?: object) =>
    Object.assign(new Error('fenced'), { code: KafkaCodes.FENCED, cause });
  const now = 1_000_000;
  const times = {
    lastRecordTimeoutAt: 0,
    transactionStartedAt: now - 2_000,
    transactionTimeoutMs: 10_000,
    now,
    windowMs: 120_000,
  };

  it('takes a fencing for the transaction timeout when its cause says it timed out', () => {
    expect(fencedByOwnTimeout(fenced({ code: KafkaCodes.TIMED_OUT }), times)).toBe(true);
    expect(fencedByOwnTimeout(fenced({ message: '3 message(s) timed out on t [2]' }), times)).toBe(
      true,
    );
  });

  it('takes it for the timeout when librdkafka reported timed-out records within the window', () => {
    // A failover: records timed out, then sending the offsets failed ("Erroneous state"), then
    // the abort was answered fenced.
    const err = fenced({ code: KafkaCodes.STATE, message: 'Erroneous state' });
    expect(fencedByOwnTimeout(err, { ...times, lastRecordTimeoutAt: now - 30_000 })).toBe(true);
    expect(fencedByOwnTimeout(err, { ...times, lastRecordTimeoutAt: now - 120_001 })).toBe(false);
  });

  it('takes it for the timeout when the transaction was open longer than its timeout', () => {
    // A failover: the commit waited on a coordinator that had died; the new one had aborted it.
    expect(fencedByOwnTimeout(fenced(), { ...times, transactionStartedAt: now - 19_000 })).toBe(
      true,
    );
    expect(fencedByOwnTimeout(fenced(), { ...times, transactionStartedAt: now - 10_000 })).toBe(
      false,
    );
  });

  it('leaves any other fencing to another instance', () => {
    expect(fencedByOwnTimeout(fenced(), times)).toBe(false);
    expect(fencedByOwnTimeout(fenced({ code: KafkaCodes.STATE }), times)).toBe(false);
    expect(fencedByOwnTimeout(fenced(), { ...times, transactionStartedAt: 0 })).toBe(false);
  });
});
