// `sluice worker dlq-indexer`: the DLQ index's long-running worker (consumer group dlq-indexers
// under the topic prefix), registered in worker.command.ts beside the stages and sharing their
// lifecycle: /metrics, /healthz, /readyz, a graceful stop on SIGTERM, a non-zero exit when it
// cannot go on; paused, stopped and resumed through the control channel like the stages. It
// also sends the replay jobs the console plans (dlq-replay-runner.ts).
import type { StageControl } from '@sluice/core';
import type { Database } from '@sluice/db';
import type { Started, WorkerContext } from '../commands/worker.command.ts';
import { sluiceDb } from '../database.ts';
import type { Env } from '../env.ts';
import { startDlqIndexer } from './dlq-indexer.consumer.ts';
import { createDlqIndexerMetrics } from './dlq-indexer-metrics.ts';
import { startReplayRunner } from './dlq-replay-runner.ts';

/** Records per batch, one PostgreSQL transaction each. */
const MAX_BATCH = 1000;

export function dlqDatabase(env: Env, maxConnections = 2): Database {
  return sluiceDb(env, maxConnections);
}

/** Fails at start, naming the fix, rather than retrying writes into a table that is not there. */
export async function assertDlqTables(db: Database): Promise<void> {
  try {
    await db.$client.query('SELECT 1 FROM dlq_entries LIMIT 0');
  } catch (err) {
    throw new Error(
      `the DLQ index tables are missing or unreachable (run \`sluice migrate\`): ${(err as Error).message}`,
    );
  }
}

export const dlqIndexerWorker = {
  name: 'dlq-indexer',
  description:
    'consumer group dlq-indexers: events.dlq → the DLQ index in PostgreSQL, idempotent by (topic, partition, offset)',
  port: 9104,
  async start(c: WorkerContext): Promise<Started> {
    const db = dlqDatabase(c.env);
    let control: () => StageControl;
    try {
      await assertDlqTables(db);
      // Read to the channel's end before joining: an indexer started while paused stays paused.
      control = await c.stageControl(c.groups.dlqIndex);
    } catch (err) {
      await db.$client.end();
      throw err;
    }
    const running = await startDlqIndexer({
      brokers: c.brokers,
      groupId: c.groups.dlqIndex,
      topic: c.topics.dlq,
      workerId: c.workerId,
      staticMembership: c.staticMembership,
      db,
      maxBatch: MAX_BATCH,
      // The writes are durable when a batch is processed; the commit only moves the group's
      // position (what a restart re-reads, what the lag monitor sees).
      commitIntervalMs: c.env.STAGE_COMMIT_INTERVAL_MS,
      metrics: createDlqIndexerMetrics(c.health.registry),
      log: c.log,
      onReady: c.onReady,
      control,
    }).catch(async (err: Error) => {
      await db.$client.end();
      throw err;
    });
    // Replay jobs planned in the console are sent from here (dlq-replay-runner.ts).
    const replays = startReplayRunner({
      db,
      brokers: c.brokers,
      storageTopic: c.topics.enriched,
      search: { url: c.env.SEARCH_URL, index: c.env.SEARCH_ERRORS_INDEX },
      log: c.log,
    });
    return {
      ...running,
      async stop() {
        await replays.stop();
        await running.stop();
      },
      stopping:
        'writing the batch in hand, committing, leaving the group; finishing a replay batch',
      detail: `indexing ${c.topics.dlq} as ${c.groups.dlqIndex}; running planned replay jobs`,
      cleanup: () => {
        void db.$client.end();
      },
    };
  },
};
