// `sluice dlq rebuild`: re-reads the DLQ topic from its start into the index, through the same
// stage as the indexer but with a throwaway consumer group that commits nothing (the indexer's
// own group and its position are left alone, so it may keep running). Each record is written
// with what it says derived again (signature, decoded fields: a newer decoder's reading), while
// what operators did (id, status, history) stays; a record the index lacked is added. Stops once
// every partition reached the end it had when the rebuild began, then deletes its group.
import type { Database } from '@sluice/db';
import { writeDlqEntries } from '@sluice/db';
import { createKafka, IsolationLevel, type LogFn, startStage } from '@sluice/kafka';
import { createDlqIndexerStage } from './dlq-indexer.stage.ts';

export interface RebuildOptions {
  brokers: string[];
  topic: string;
  /** The throwaway group: unique per rebuild. */
  groupId: string;
  workerId: string;
  db: Database;
  log: LogFn;
  /** How far it got: records written so far, and the offsets the topic spanned at the start. */
  progress?: (written: number, total: number) => void;
  timeoutMs: number;
}

export interface RebuildResult {
  /**
   * Offsets the topic spanned when the rebuild began: its records, plus the transaction markers
   * and aborted records that also take offsets (a read_committed reader skips those).
   */
  total: number;
  /** Records written to the index (a record read twice counts twice). */
  written: number;
  /** Entries the index did not have. */
  added: number;
}

export async function rebuildDlqIndex(o: RebuildOptions): Promise<RebuildResult> {
  const admin = createKafka({ brokers: o.brokers, clientId: o.groupId }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(o.topic, {
      isolationLevel: IsolationLevel.READ_COMMITTED,
    });
    // The end each partition had when the rebuild began; an empty partition is done already.
    const target = new Map<number, number>();
    let total = 0;
    for (const p of ends) {
      const low = Number(p.low);
      const high = Number(p.high);
      if (high > low) target.set(p.partition, high);
      total += high - low;
    }
    if (target.size === 0) return { total: 0, written: 0, added: 0 };

    let written = 0;
    let added = 0;
    let reachedAll: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      reachedAll = resolve;
    });
    const stage = createDlqIndexerStage({
      write: async (rows) => {
        const r = await writeDlqEntries(o.db, rows, 'rederive');
        written += rows.length;
        added += r.inserted;
        o.progress?.(written, total);
        return r;
      },
      log: o.log,
      observePositions: (positions) => {
        for (const p of positions)
          if (p.topic === o.topic && p.offset >= (target.get(p.partition) ?? 0))
            target.delete(p.partition);
        if (target.size === 0) reachedAll();
      },
    });
    const running = await startStage({
      brokers: o.brokers,
      groupId: o.groupId,
      topics: [o.topic],
      workerId: o.workerId,
      maxBatch: 1000,
      mode: 'external',
      // Every turn of the loop: the stage hears the positions at once.
      commitIntervalMs: 0,
      stage,
      log: o.log,
    });
    let timer: NodeJS.Timeout | undefined;
    const stoppedEarly = running.done.then(() => {
      throw new Error('the rebuild stopped before it reached the end of the topic');
    });
    // Once the rebuild is done, its own stop resolves `done`: nobody waits for this any more.
    stoppedEarly.catch(() => {});
    try {
      await Promise.race([
        finished,
        stoppedEarly,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `the rebuild timed out after ${o.timeoutMs / 1000} s with ${written} of ${total} records written (partitions not at their end: ${[...target.keys()].join(', ')}); run it again, it is idempotent`,
                ),
              ),
            o.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await running.stop();
      await admin.deleteGroups([o.groupId]).catch((err: Error) => {
        o.log('warn', `could not delete the rebuild's consumer group ${o.groupId}: ${err.message}`);
      });
    }
    return { total, written, added };
  } finally {
    await admin.disconnect();
  }
}
