import { describe, expect, it, vi } from 'vitest';
import { isFatalKafkaError } from './kafka-errors.ts';
import { answeredWithin } from './transactional-producer.ts';

describe('answeredWithin', () => {
  it("passes the call's answer on, success or error", async () => {
    await expect(answeredWithin(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(answeredWithin(Promise.reject(new Error('no')), 1000, 'x')).rejects.toThrow('no');
  });

  it('fails fatally when librdkafka never calls back, so the producer is replaced', async () => {
    vi.useFakeTimers();
    try {
      const never = new Promise<void>(() => {});
      const answered = answeredWithin(never, 40_000, 'sending the offsets to the transaction');
      const seen = answered.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(39_999);
      let settled = false;
      void answered.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      await Promise.resolve();
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const err = await seen;
      expect((err as Error).message).toMatch(
        /did not answer sending the offsets to the transaction within 40 s/,
      );
      expect(isFatalKafkaError(err)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
