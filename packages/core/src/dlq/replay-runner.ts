// Runs a planned replay job: claim a batch of rows, send their records, mark them sent, at the
// job's rate. The store and the transport come in as ports (PostgreSQL and Kafka at the edges),
// so the CLI and the console run the same loop. A job interrupted at any moment resumes: rows a
// previous run claimed (`sending`) are looked for on their target topics by their replay
// headers; those found are marked sent, the others are sent again. So no entry is sent twice.
import { replayHeaders } from './replay-plan.ts';

export interface ReplayRow {
  readonly entryId: number;
  readonly topic: string;
  readonly key: Uint8Array | null;
  readonly payload: Uint8Array;
  readonly claimedAt: Date;
  /** For a storage-stage failure sent to the storage input: the only sinks that lack it. */
  readonly sinks?: readonly string[] | undefined;
}

export interface ReplayRecord {
  readonly topic: string;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers: Record<string, string>;
}

export interface ReplayStorePort {
  inFlight(jobId: number): Promise<readonly ReplayRow[]>;
  claim(jobId: number, n: number): Promise<readonly ReplayRow[]>;
  markSent(jobId: number, entryIds: readonly number[]): Promise<void>;
  release(jobId: number, entryIds: readonly number[]): Promise<void>;
  setStatus(jobId: number, status: 'running' | 'done' | 'failed', reason?: string): Promise<void>;
}

export interface ReplayTransportPort {
  /** Resolves once the broker acknowledged every record. */
  send(records: readonly ReplayRecord[]): Promise<void>;
  /** Entry ids of `rows` whose records (by replay headers) are on their topics already. */
  alreadySent(jobId: number, rows: readonly ReplayRow[]): Promise<ReadonlySet<number>>;
}

export interface ReplayRunOptions {
  readonly jobId: number;
  readonly store: ReplayStorePort;
  readonly transport: ReplayTransportPort;
  /** Records per second; undefined for no limit. */
  readonly ratePerSecond?: number | undefined;
  readonly batchSize?: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress?: (p: { sent: number; recovered: number }) => void;
}

export interface ReplayRunResult {
  /** Records sent by this run. */
  sent: number;
  /** Rows a previous run had sent without recording it, found on their topics. */
  recovered: number;
  /** Rows a previous run had claimed but not sent, sent now. */
  resent: number;
}

const toRecord = (jobId: number, row: ReplayRow): ReplayRecord => ({
  topic: row.topic,
  key: row.key,
  value: row.payload,
  headers: replayHeaders(jobId, row.entryId, row.sinks),
});

export async function runReplayJob(o: ReplayRunOptions): Promise<ReplayRunResult> {
  const rate = o.ratePerSecond;
  // A batch is at most one second's worth at the job's rate, so the rate holds within a second.
  const batchSize = Math.max(1, Math.min(o.batchSize ?? 500, rate ? Math.floor(rate) || 1 : 500));
  const result: ReplayRunResult = { sent: 0, recovered: 0, resent: 0 };
  await o.store.setStatus(o.jobId, 'running');
  try {
    const leftOver = await o.store.inFlight(o.jobId);
    if (leftOver.length > 0) {
      const out = await o.transport.alreadySent(o.jobId, leftOver);
      const found = leftOver.filter((x) => out.has(x.entryId)).map((x) => x.entryId);
      await o.store.markSent(o.jobId, found);
      result.recovered = found.length;
      const notOut = leftOver.filter((x) => !out.has(x.entryId));
      if (notOut.length > 0) {
        await o.transport.send(notOut.map((row) => toRecord(o.jobId, row)));
        await o.store.markSent(
          o.jobId,
          notOut.map((x) => x.entryId),
        );
        result.resent = notOut.length;
      }
      o.progress?.({ sent: result.sent + result.resent, recovered: result.recovered });
    }
    const started = o.now();
    for (;;) {
      const rows = await o.store.claim(o.jobId, batchSize);
      if (rows.length === 0) break;
      // A send that throws was not acknowledged: perhaps out, perhaps not. Its rows stay
      // `sending`, and a resume looks for them on their topics.
      await o.transport.send(rows.map((row) => toRecord(o.jobId, row)));
      await o.store.markSent(
        o.jobId,
        rows.map((x) => x.entryId),
      );
      result.sent += rows.length;
      o.progress?.({ sent: result.sent + result.resent, recovered: result.recovered });
      if (rate) {
        const due = started + (result.sent / rate) * 1000;
        const wait = due - o.now();
        if (wait > 0) await o.sleep(wait);
      }
    }
    await o.store.setStatus(o.jobId, 'done');
    return result;
  } catch (err) {
    await o.store.setStatus(o.jobId, 'failed', (err as Error).message).catch(() => {});
    throw err;
  }
}
