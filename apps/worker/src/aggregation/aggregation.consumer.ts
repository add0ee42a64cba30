// The exactly-once Aggregation stage: consumer group `aggregation-workers` on events.enriched.
// The stage runner (@sluice/kafka) puts, in ONE Kafka transaction, the window partials and
// sessions the transaction's batches emitted, their late events, the partitions' changelog
// entries and the input positions, so output, state and position move together. A batch only
// adds its events to the state; the state is drained once per transaction (prepareCommit), so a
// window that many small batches touch is written to the changelog once per transaction, not
// once per batch (its sketch is up to 13 KB: at 200 events/s, one drain per batch wrote about
// 7 KB of changelog per event). Each partition's changelog meta entry carries the very position
// committed with it (the offset and the transaction's token), so a restore knows where the
// committed state ends. State is restored when a partition is assigned (and again after an
// aborted transaction, when the runner hands the partitions back); a revoked partition's state
// is dropped.
import type { AggregatorConfig, StageControl } from '@sluice/core';
import {
  type ConsumedMessage,
  type FetchTuning,
  type Kafka,
  type LogFn,
  messageKey,
  type OutRecord,
  type RunningStage,
  type StageContext,
  startStage,
  type TopicPartition,
} from '@sluice/kafka';
import type { AggregationMetrics } from './aggregation-metrics.ts';
import {
  type BatchResult,
  createPartitionPipeline,
  type PartitionPipeline,
} from './aggregation-pipeline.ts';
import {
  changelogPartitionOf,
  changelogPosition,
  positionOffset,
  restoreFromChangelog,
} from './changelog-restore.ts';

export interface AggregationWorkerOptions {
  brokers: string[];
  /** For the changelog restore and its partition count. */
  kafka: Kafka;
  config: AggregatorConfig;
  metrics: AggregationMetrics;
  workerId: string;
  staticMembership: boolean;
  groupId: string;
  topics: { input: string; aggregates: string; sessions: string; late: string; changelog: string };
  maxBatchSize: number;
  /** When the broker answers a fetch (the Kafka package's default when absent). */
  fetch?: FetchTuning;
  commitIntervalMs: number;
  /** How often idle partitions are checked (wall clock). */
  tickMs: number;
  now: () => number;
  count?: (metric: string, n: number) => void;
  log: LogFn;
  onReady: (ready: boolean, reason: string) => void;
  /** The stage's desired state from the control channel (running when absent). */
  control?: () => StageControl;
}

const nothingDrained = (): Omit<BatchResult, 'late' | 'outcomes'> => ({
  windows: [],
  corrections: [],
  sessions: [],
  changelog: [],
  evicted: 0,
});

export interface RunningAggregationWorker extends RunningStage {
  stateSize(): number;
}

export async function startAggregationWorker(
  o: AggregationWorkerOptions,
): Promise<RunningAggregationWorker> {
  const pipelines = new Map<number, PartitionPipeline>();
  const admin = o.kafka.admin();
  await admin.connect();
  let changelogPartitions: number;
  try {
    changelogPartitions = (await admin.fetchTopicOffsets(o.topics.changelog)).length;
  } finally {
    await admin.disconnect();
  }

  async function restore(tps: TopicPartition[], ctx: StageContext) {
    const started = process.hrtime.bigint();
    const partitions = tps.filter((tp) => tp.topic === o.topics.input).map((tp) => tp.partition);
    const targets = partitions.flatMap((p) => {
      const tp = { topic: o.topics.input, partition: p };
      const c = ctx.committed(tp);
      const token = ctx.committedToken(tp);
      // No commit yet: nothing to restore. A commit without the stage's token was made outside
      // it (an offsets reset): no meta entry names it, the latest state is restored.
      return c === undefined
        ? []
        : [{ partition: p, position: changelogPosition(c, token), latest: token === undefined }];
    });
    const states = await restoreFromChangelog(
      {
        brokers: o.brokers,
        kafka: o.kafka,
        changelogTopic: o.topics.changelog,
        changelogPartitions,
        groupId: `${o.groupId}-restore-${o.workerId}`,
        timeoutMs: 120_000,
      },
      targets,
      (r) =>
        o.log(
          'warn',
          `partition ${r.partition}: the committed offset ${r.committed} was set outside the stage (an offsets reset), so the latest state in the changelog was restored (${r.statePosition === undefined ? 'none' : `committed at ${r.statePosition}`}); events it holds are not counted again`,
        ),
    );
    for (const p of partitions)
      pipelines.set(p, createPartitionPipeline(p, o.config, o.now(), states.get(p) ?? []));
    o.metrics.restoreSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    o.log(
      'info',
      `restored partitions ${partitions.join(',')} (${targets.length} with committed state) in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`,
    );
  }

  function toRecords(partition: number, r: BatchResult, out: OutRecord[]) {
    for (const w of r.windows)
      out.push({ topic: o.topics.aggregates, key: w.key, value: JSON.stringify(w.record) });
    // Late drops of windows past retention: each adds to its window's late_dropped.
    for (const c of r.corrections)
      out.push({ topic: o.topics.aggregates, key: c.key, value: JSON.stringify(c.record) });
    for (const s of r.sessions)
      out.push({ topic: o.topics.sessions, key: s.session_id, value: JSON.stringify(s) });
    for (const m of r.late)
      out.push({
        topic: o.topics.late,
        key: m.key === null ? null : Buffer.from(m.key),
        value: m.value === null ? null : Buffer.from(m.value),
      });
    const clPartition = changelogPartitionOf(partition, changelogPartitions);
    for (const c of r.changelog)
      out.push({
        topic: o.topics.changelog,
        key: `${partition}|${c.key}`,
        value: c.value,
        partition: clPartition,
      });
    if (r.evicted > 0)
      o.log(
        'error',
        `partition ${partition}: state cap AGG_MAX_STATE_ENTRIES reached; ${r.evicted} windows/sessions closed early (emitted as final, later events for them count as late). Raise AGG_MAX_STATE_ENTRIES, or lower AGG_RETENTION / AGG_SESSION_GAP`,
      );
  }

  const afterCommit = (results: BatchResult[], events: number) => () => {
    o.metrics.transactions.inc({ outcome: 'commit' });
    for (const r of results) {
      o.metrics.windowsEmitted.inc(r.windows.length);
      if (r.corrections.length > 0) o.metrics.lateCorrections.inc(r.corrections.length);
      o.metrics.sessionsEmitted.inc(r.sessions.length);
      if (r.evicted > 0) o.metrics.evicted.inc(r.evicted);
      for (const [outcome, n] of r.outcomes) o.metrics.events.inc({ outcome }, n);
    }
    if (events > 0) o.count?.('in', events);
    const emitted = results.reduce(
      (n, r) => n + r.windows.length + r.corrections.length + r.sessions.length,
      0,
    );
    if (emitted > 0) o.count?.('out', emitted);
    const late = results.reduce((n, r) => n + r.late.length, 0);
    if (late > 0) o.count?.('late', late);
  };

  const running = await startStage({
    brokers: o.brokers,
    groupId: o.groupId,
    topics: [o.topics.input],
    workerId: o.workerId,
    staticMembership: o.staticMembership,
    maxBatch: o.maxBatchSize,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    mode: 'transactional',
    commitIntervalMs: o.commitIntervalMs,
    tickMs: o.tickMs,
    log: o.log,
    onReady: o.onReady,
    control: o.control,
    stage: {
      async assigned(tps, ctx) {
        await restore(tps, ctx);
      },
      revoked(tps) {
        for (const tp of tps) if (tp.topic === o.topics.input) pipelines.delete(tp.partition);
      },
      aborted(tps) {
        o.metrics.transactions.inc({ outcome: 'abort' });
        // The in-memory state ran ahead of what committed; rebuilt when the runner re-assigns.
        for (const tp of tps) pipelines.delete(tp.partition);
      },
      async process(messages, ctx) {
        const started = process.hrtime.bigint();
        const byPartition = new Map<number, ConsumedMessage[]>();
        for (const m of messages) {
          const list = byPartition.get(m.partition);
          if (list) list.push(m);
          else byPartition.set(m.partition, [m]);
        }
        const records: OutRecord[] = [];
        const results: BatchResult[] = [];
        const now = o.now();
        for (const [partition, list] of byPartition) {
          const tp = { topic: o.topics.input, partition };
          if (!pipelines.has(partition)) await restore([tp], ctx);
          const pipeline = pipelines.get(partition) as PartitionPipeline;
          // Records below the restored position are already in the state.
          const from = positionOffset(pipeline.aggregator.restoredPosition());
          const fresh = list.filter((m) => m.offset >= from);
          const r: BatchResult = {
            ...nothingDrained(),
            ...pipeline.accept(
              fresh.map((m) => ({
                key: messageKey(m),
                value: m.value,
              })),
              now,
            ),
          };
          toRecords(partition, r, records);
          results.push(r);
        }
        o.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        return { records, onCommitted: afterCommit(results, messages.length) };
      },
      tick(caughtUp) {
        // Idle means "nothing left to read" (position at the last stable offset), not "not read
        // lately": a partition with a backlog only waits for this consumer.
        const records: OutRecord[] = [];
        const results: BatchResult[] = [];
        for (const tp of caughtUp) {
          const r = pipelines.get(tp.partition)?.tick(o.now());
          if (r === undefined) continue;
          toRecords(tp.partition, r, records);
          results.push(r);
          o.log('info', `partition ${tp.partition} idle: watermark advanced to close its windows`);
        }
        return results.length > 0 ? { records, onCommitted: afterCommit(results, 0) } : undefined;
      },
      prepareCommit(offsets) {
        const records: OutRecord[] = [];
        const results: BatchResult[] = [];
        for (const off of offsets) {
          const pipeline = pipelines.get(off.partition);
          if (pipeline === undefined) continue;
          const r: BatchResult = {
            ...pipeline.aggregator.drain(changelogPosition(off.offset, off.metadata)),
            late: [],
            outcomes: new Map(),
          };
          toRecords(off.partition, r, records);
          results.push(r);
        }
        return { records, onCommitted: afterCommit(results, 0) };
      },
    },
  });
  return {
    ...running,
    stateSize: () => {
      let n = 0;
      for (const p of pipelines.values()) n += p.aggregator.stateSize();
      return n;
    },
  };
}
