import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DeadLetter, Sink, SinkFailure, SinkRecord } from './sink.ts';
import { startSinkRunner } from './sink-runner.ts';
import { createStorageMetrics } from './storage-metrics.ts';

const record = (offset: number): SinkRecord =>
  ({
    topic: 't',
    partition: 0,
    offset: String(offset),
    timestampMs: 0,
    key: null,
    value: Buffer.from('{}'),
    kind: 'event',
    data: {},
  }) as unknown as SinkRecord;

function fakeSink(
  failTimes: number,
  failed: (r: readonly SinkRecord[]) => SinkFailure[] = () => [],
) {
  const writes: string[][] = [];
  let failures = 0;
  const sink: Sink = {
    name: 'redis',
    async write(records) {
      if (failures++ < failTimes) throw new Error('store away');
      writes.push(records.map((r) => r.offset));
      return { failed: failed(records) };
    },
    async close() {},
  };
  return { sink, writes };
}

const policy = { maxRecords: 3, maxBytes: 1_000_000, maxAgeMs: 20 };

async function until(check: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('startSinkRunner', () => {
  it('writes at the size limit, and reports the segments durable only after the write', async () => {
    const { sink, writes } = fakeSink(0);
    const durable: number[] = [];
    const runner = startSinkRunner({
      sink,
      policy: { ...policy, maxAgeMs: 60_000 },
      metrics: createStorageMetrics(new Registry()),
      onDurable: (ids) => durable.push(...ids),
      deadLetter: async () => {},
      log: () => {},
    });
    runner.enqueue([record(0), record(1)], 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(durable).toEqual([]);
    runner.enqueue([record(2)], 2);
    await until(() => durable.length === 2);
    expect(writes).toEqual([['0', '1', '2']]);
    expect(durable).toEqual([1, 2]);
    expect(runner.pending()).toBe(0);
    await runner.stop(1000);
  });

  it('writes a record that arrives while it waits idle within its age limit, not at the next idle check', async () => {
    const { sink, writes } = fakeSink(0);
    const runner = startSinkRunner({
      sink,
      policy: { ...policy, maxAgeMs: 50 },
      metrics: createStorageMetrics(new Registry()),
      onDurable: () => {},
      deadLetter: async () => {},
      log: () => {},
    });
    // An empty buffer has no deadline: the runner is asleep until something wakes it.
    await new Promise((r) => setTimeout(r, 30));
    const at = Date.now();
    runner.enqueue([record(0)], 1);
    await until(() => writes.length === 1);
    // The age limit (50 ms) plus scheduling; the idle sleep alone is a second.
    expect(Date.now() - at).toBeLessThan(500);
    await runner.stop(1000);
  });

  it('keeps retrying the same batch through an outage, marking itself down and up again', async () => {
    const { sink, writes } = fakeSink(6);
    const durable: number[] = [];
    const logs: string[] = [];
    const metrics = createStorageMetrics(new Registry());
    const runner = startSinkRunner({
      sink,
      policy,
      metrics,
      onDurable: (ids) => durable.push(...ids),
      deadLetter: async () => {},
      log: (m) => logs.push(m),
      retries: 1,
      maxDownBackoffMs: 10,
    });
    runner.enqueue([record(0)], 7);
    await until(() => durable.length === 1);
    expect(writes).toEqual([['0']]);
    expect(durable).toEqual([7]);
    expect(logs).toContain('sink redis is down');
    expect(logs).toContain('sink redis is up again');
    expect(runner.isUp()).toBe(true);
    expect((await metrics.retries.get()).values[0]?.value).toBeGreaterThan(0);
    await runner.stop(1000);
  }, 20_000);

  it('dead-letters permanent failures before the segment counts as durable', async () => {
    const order: string[] = [];
    const { sink } = fakeSink(0, (rs) => [
      {
        record: rs[0] as SinkRecord,
        errorClass: 'x',
        message: 'bad',
        retryable: false,
        attempts: 1,
      },
    ]);
    const runner = startSinkRunner({
      sink,
      policy,
      metrics: createStorageMetrics(new Registry()),
      onDurable: () => order.push('durable'),
      deadLetter: async (f) => {
        await new Promise((r) => setTimeout(r, 10));
        order.push(`dlq:${f.length}`);
      },
      log: () => {},
    });
    runner.enqueue([record(0)], 1);
    await until(() => order.length === 2);
    expect(order).toEqual(['dlq:1', 'durable']);
    await runner.stop(1000);
  });

  it('dead-letters a record with the time its batch first failed, not the time it was sent', async () => {
    let clock = 1_000;
    let calls = 0;
    const sink: Sink = {
      name: 'timescaledb',
      async write(records) {
        clock += 100;
        // The store is away twice, then refuses the record for good.
        if (calls++ < 2) throw new Error('connection refused');
        return {
          failed: [
            {
              record: records[0] as SinkRecord,
              errorClass: 'pg_22P05',
              message: 'bad',
              retryable: false,
              attempts: 1,
            },
          ],
        };
      },
      async close() {},
    };
    const letters: DeadLetter[] = [];
    const runner = startSinkRunner({
      sink,
      metrics: createStorageMetrics(new Registry()),
      onDurable: () => {},
      deadLetter: async (f) => {
        letters.push(...f);
      },
      log: () => {},
      // One record fills a batch: the fake clock never ages the buffer.
      policy: { ...policy, maxRecords: 1 },
      now: () => clock,
      retries: 1,
      maxDownBackoffMs: 10,
    });
    runner.enqueue([record(0)], 1);
    await until(() => letters.length === 1);
    // First failure: the first write (clock 1,100); refused by the third (clock 1,300).
    expect(letters[0]).toMatchObject({ attempts: 3, firstFailureMs: 1_100, lastFailureMs: 1_300 });
    await runner.stop(1000);
  }, 20_000);

  it('keeps the first failure a sink saw while retrying a record itself', async () => {
    let clock = 5_000;
    const { sink } = fakeSink(0, (rs) => [
      {
        record: rs[0] as SinkRecord,
        errorClass: 'es_rejected',
        message: '429',
        retryable: true,
        attempts: 3,
        firstFailureMs: clock - 1_000,
      },
    ]);
    const letters: DeadLetter[] = [];
    const runner = startSinkRunner({
      sink,
      metrics: createStorageMetrics(new Registry()),
      onDurable: () => {},
      deadLetter: async (f) => {
        letters.push(...f);
      },
      log: () => {},
      policy: { ...policy, maxRecords: 1 },
      now: () => clock,
    });
    clock += 10;
    runner.enqueue([record(0)], 1);
    await until(() => letters.length === 1);
    expect(letters[0]).toMatchObject({ attempts: 3, firstFailureMs: 4_010, lastFailureMs: 5_010 });
    await runner.stop(1000);
  });

  it('gives up at stop when the store stays away, leaving the batch unreported', async () => {
    const { sink } = fakeSink(Number.POSITIVE_INFINITY);
    const durable: number[] = [];
    const runner = startSinkRunner({
      sink,
      policy,
      metrics: createStorageMetrics(new Registry()),
      onDurable: (ids) => durable.push(...ids),
      deadLetter: async () => {},
      log: () => {},
      retries: 0,
      maxDownBackoffMs: 10,
    });
    runner.enqueue([record(0)], 1);
    await runner.stop(100);
    expect(durable).toEqual([]);
    expect(runner.isUp()).toBe(false);
  });
});
