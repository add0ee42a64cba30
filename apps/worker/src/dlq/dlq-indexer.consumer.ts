// The DLQ indexer: consumer group `dlq-indexers` on the DLQ topic, run by the stage runner
// (@sluice/kafka) in its external mode. Each batch is written to PostgreSQL (dlq-indexer.stage.ts)
// before the runner commits its offsets, so the lag monitor and the console see the index's lag
// like any stage's, and a restarted indexer resumes where the last commit left it. It obeys the
// control channel like the stages do: paused, stopped and resumed as `dlq-indexers`.
import type { StageControl } from '@sluice/core';
import type { Database } from '@sluice/db';
import { writeDlqEntries } from '@sluice/db';
import { type LogFn, type RunningStage, startStage } from '@sluice/kafka';
import { createDlqIndexerStage } from './dlq-indexer.stage.ts';
import type { DlqIndexerMetrics } from './dlq-indexer-metrics.ts';

export interface DlqIndexerOptions {
  brokers: string[];
  groupId: string;
  topic: string;
  workerId: string;
  /** Set when the worker id is stable across restarts (a pod name). */
  staticMembership: boolean;
  db: Database;
  /** Records per batch, over all partitions: one PostgreSQL transaction each. */
  maxBatch: number;
  commitIntervalMs: number;
  metrics?: DlqIndexerMetrics;
  log: LogFn;
  onReady?: (ready: boolean, reason: string) => void;
  /** The group's desired state from the control channel (running when absent). */
  control?: () => StageControl;
}

export function startDlqIndexer(o: DlqIndexerOptions): Promise<RunningStage> {
  return startStage({
    brokers: o.brokers,
    groupId: o.groupId,
    topics: [o.topic],
    workerId: o.workerId,
    staticMembership: o.staticMembership,
    maxBatch: o.maxBatch,
    mode: 'external',
    commitIntervalMs: o.commitIntervalMs,
    log: o.log,
    ...(o.onReady ? { onReady: o.onReady } : {}),
    ...(o.control ? { control: o.control } : {}),
    stage: createDlqIndexerStage({
      write: (rows) => writeDlqEntries(o.db, rows, 'insert'),
      log: o.log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    }),
  });
}
