import { describe, expect, it } from 'vitest';
import {
  describeKafkaError,
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
