// Runs one sink on its own: buffers what the consumer hands it, writes at the batch policy's
// size or age, retries a failed write (p-retry: exponential backoff with jitter) and, when every
// retry failed, marks the sink down and keeps retrying the same batch (never dropping it) until
// the store returns. Each runner has its own loop, so one slow or dead store never delays another.
import { type BatchPolicy, flushDecision } from '@sluice/core';
import pRetry from 'p-retry';
import type { DeadLetter, Sink, SinkFailure, SinkRecord } from './sink.ts';
import type { StorageMetrics } from './storage-metrics.ts';

export interface SinkRunnerOptions {
  sink: Sink;
  policy: BatchPolicy;
  metrics: StorageMetrics;
  /** Called once the batch's segments are durable in this sink (stored or dead-lettered). */
  onDurable: (segmentIds: readonly number[]) => void;
  /** Sends permanent failures to the DLQ; must resolve only when they are durable there. */
  deadLetter: (failures: readonly DeadLetter[]) => Promise<void>;
  log: (message: string) => void;
  now?: () => number;
  /** Retries inside one attempt cycle before the sink counts as down. */
  retries?: number;
  /** Longest wait between attempt cycles while down. */
  maxDownBackoffMs?: number;
}

export interface SinkRunner {
  readonly name: string;
  enqueue(records: readonly SinkRecord[], segmentId: number): void;
  /** Records handed over and not yet durable. */
  pending(): number;
  isUp(): boolean;
  /** What the console's sink-health panel shows. */
  health(): SinkRunnerHealth;
  /** Writes what is buffered and stops; gives up (leaving it uncommitted) after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

export interface SinkRunnerHealth {
  up: boolean;
  pending: number;
  lastOkAtMs: number | null;
  lastError: string | null;
  lastErrorAtMs: number | null;
}

export function startSinkRunner(o: SinkRunnerOptions): SinkRunner {
  const now = o.now ?? Date.now;
  const name = o.sink.name;
  let buffer: SinkRecord[] = [];
  let segments: number[] = [];
  let bytes = 0;
  let oldestAt: number | null = null;
  let inFlight = 0;
  let up = true;
  let lastOkAtMs: number | null = null;
  let lastError: string | null = null;
  let lastErrorAtMs: number | null = null;
  let stopping = false;
  let abandon = false;
  let wake: (() => void) | undefined;
  o.metrics.up.set({ sink: name }, 1);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const setUp = (value: boolean) => {
    if (value !== up) o.log(`sink ${name} is ${value ? 'up again' : 'down'}`);
    up = value;
    o.metrics.up.set({ sink: name }, value ? 1 : 0);
  };

  /** What went wrong with a batch so far: its dead letters tell when their trouble began. */
  interface BatchHistory {
    failedWrites: number;
    firstFailureMs: number | null;
  }

  const deadLetters = (failed: readonly SinkFailure[], history: BatchHistory): DeadLetter[] => {
    const refusedAt = now();
    return failed.map((f) => ({
      ...f,
      attempts: history.failedWrites + f.attempts,
      firstFailureMs: Math.min(history.firstFailureMs ?? refusedAt, f.firstFailureMs ?? refusedAt),
      lastFailureMs: refusedAt,
    }));
  };

  const writeOnce = async (batch: SinkRecord[], history: BatchHistory) => {
    const result = await pRetry(() => o.sink.write(batch), {
      retries: o.retries ?? 3,
      minTimeout: 200,
      maxTimeout: 2000,
      factor: 2,
      randomize: true,
      onFailedAttempt: ({ error, retriesLeft }) => {
        lastError = error.message.slice(0, 500);
        lastErrorAtMs = now();
        history.failedWrites += 1;
        history.firstFailureMs ??= lastErrorAtMs;
        if (retriesLeft > 0) o.metrics.retries.inc({ sink: name });
        o.log(`sink ${name}: write of ${batch.length} failed (${error.message})`);
      },
    });
    if (result.failed.length > 0) {
      await o.deadLetter(deadLetters(result.failed, history));
      o.metrics.deadLettered.inc({ sink: name }, result.failed.length);
    }
  };

  const flush = async () => {
    const batch = buffer;
    const segs = segments;
    buffer = [];
    segments = [];
    bytes = 0;
    oldestAt = null;
    inFlight = batch.length;
    const started = process.hrtime.bigint();
    const history: BatchHistory = { failedWrites: 0, firstFailureMs: null };
    let backoff = 500;
    for (;;) {
      try {
        await writeOnce(batch, history);
        lastOkAtMs = now();
        setUp(true);
        break;
      } catch (err) {
        setUp(false);
        if (abandon) {
          o.log(`sink ${name}: stopping with ${batch.length} records unwritten (not committed)`);
          inFlight = 0;
          return;
        }
        o.metrics.retries.inc({ sink: name });
        o.log(`sink ${name}: still failing, retrying in ${backoff} ms: ${(err as Error).message}`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, o.maxDownBackoffMs ?? 5000);
      }
    }
    o.metrics.batchSeconds.observe({ sink: name }, Number(process.hrtime.bigint() - started) / 1e9);
    o.metrics.written.inc({ sink: name }, batch.length);
    inFlight = 0;
    o.metrics.pending.set({ sink: name }, buffer.length);
    o.onDurable(segs);
  };

  const loop = (async () => {
    for (;;) {
      const d = flushDecision(
        o.policy,
        { records: buffer.length, bytes, oldestAtMs: oldestAt },
        now(),
      );
      if (d.flush || (stopping && buffer.length > 0)) {
        await flush();
        continue;
      }
      if (stopping || abandon) return;
      await sleep(d.waitMs ?? 1000);
    }
  })();

  return {
    name,
    enqueue(records, segmentId) {
      if (records.length === 0) return;
      // An empty buffer has no deadline, so the loop sleeps until woken: the first record sets
      // one (STORAGE_FLUSH_MS from now), which the loop must learn of now, not at its next check.
      if (oldestAt === null) {
        oldestAt = now();
        wake?.();
      }
      for (const r of records) {
        buffer.push(r);
        bytes += r.value.length;
      }
      segments.push(segmentId);
      o.metrics.pending.set({ sink: name }, buffer.length + inFlight);
      if (buffer.length >= o.policy.maxRecords || bytes >= o.policy.maxBytes) wake?.();
    },
    pending: () => buffer.length + inFlight,
    isUp: () => up,
    health: () => ({
      up,
      pending: buffer.length + inFlight,
      lastOkAtMs,
      lastError,
      lastErrorAtMs,
    }),
    async stop(timeoutMs) {
      stopping = true;
      wake?.();
      const timer = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
      await Promise.race([loop, timer]);
      abandon = true;
      wake?.();
      await Promise.race([loop, new Promise<void>((r) => setTimeout(r, 100).unref())]);
      await o.sink.close();
    },
  };
}
