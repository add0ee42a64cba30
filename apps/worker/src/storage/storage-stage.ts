// What the storage writers do inside the stage runner's `external` mode, without Kafka: a batch
// is routed, its unreadable records dead-lettered before it counts as taken, each partition's
// records become one offset-tracker segment waiting for the sinks they went to, and are handed to
// those sinks' runners. The runner commits what `durableOffsets` returns: per partition, up to
// the oldest segment not yet durable in all its sinks. After every batch and at every tick the
// paused partitions are reconciled with what the sinks need (pause-reconciler.ts).
import {
  type Destination,
  type EventRouter,
  type OffsetTracker,
  readReplayHeaders,
  type TopicPartition,
} from '@sluice/core';
import {
  type ConsumedMessage,
  type LogFn,
  messageKey,
  type Stage,
  type StageContext,
} from '@sluice/kafka';
import { routeBatch } from './batch-routing.ts';
import type { EndToEndLatency } from './end-to-end-latency.ts';
import { createPauseReconciler } from './pause-reconciler.ts';
import type { SinkRunner } from './sink-runner.ts';
import type { StorageDlq } from './storage-dlq.ts';
import type { StorageMetrics } from './storage-metrics.ts';
import type { ConsumedRecord, RecordKind } from './storage-record-parser.ts';

export interface StorageStageDeps {
  /** What each input topic carries. */
  kinds: ReadonlyMap<string, RecordKind>;
  /** The routing rules in force; read once per batch. */
  router: () => EventRouter;
  runners: readonly Pick<SinkRunner, 'name' | 'enqueue' | 'pending' | 'isUp'>[];
  /** Shared with the sinks' runners, which report durable segments to it. */
  tracker: OffsetTracker;
  latency: EndToEndLatency;
  dlq: Pick<StorageDlq, 'rejected'>;
  /** Records a sink may hold before the partitions it holds back are paused. */
  maxPending: number;
  metrics: Pick<StorageMetrics, 'paused' | 'commits'>;
  /**
   * The stage counters (in, out, dlq): records of a partition count once their offsets are
   * committed, so a partition read again after a rebalance is not counted twice.
   */
  count?: (metric: 'in' | 'out' | 'dlq', n: number) => void;
  log: LogFn;
}

export interface StorageStage {
  stage: Stage;
  /** Graceful stop: every owned partition is paused, and what is still delivered is left unread. */
  stopReading(): void;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** A segment's records, counted once its last offset is committed. */
interface Uncounted {
  last: bigint;
  in: number;
  out: number;
  dlq: number;
}

const consumedRecord = (m: ConsumedMessage): ConsumedRecord => ({
  topic: m.topic,
  partition: m.partition,
  offset: String(m.offset),
  timestampMs: m.timestamp ?? 0,
  key: messageKey(m),
  value: m.value ?? null,
  replay: readReplayHeaders(m.headers),
});

export function createStorageStage(d: StorageStageDeps): StorageStage {
  const byName = new Map(d.runners.map((r) => [r.name as Destination, r]));
  const pauses = createPauseReconciler({ maxPending: d.maxPending });
  /** Owned partitions something was read of since they were assigned. */
  const read = new Set<string>();
  /** Partitions with messages left unread at stop: their positions are past those. */
  const unreadAtStop = new Set<string>();
  /** Per owned partition, its segments' record counts in offset order, not yet committed. */
  const uncounted = new Map<string, Uncounted[]>();
  let ctx: StageContext | undefined;
  let stopping = false;
  const nothing = { records: [] };

  /** Makes the consumer's paused partitions the ones the sinks need paused now. */
  const reconcile = (c: StageContext) => {
    ctx = c;
    const owned = c.assignment();
    const plan = pauses.reconcile({
      owned,
      sinks: d.runners.map((r) => ({ name: r.name, pending: r.pending(), up: r.isUp() })),
      heldBack: (sink) => d.tracker.heldBack(sink),
      unread: owned.filter((tp) => !read.has(key(tp))),
      // Aggregates and sessions only ever go to TimescaleDB.
      mayFeed: (sink, tp) => d.kinds.get(tp.topic) === 'event' || sink === 'timescaledb',
      pauseAll: stopping,
    });
    c.pause([...plan.pause]);
    c.resume([...plan.resume]);
    for (const [sink, n] of plan.pausedFor) d.metrics.paused.set({ sink }, n);
    const pending = (s: string) => byName.get(s as Destination)?.pending();
    for (const s of plan.saturated)
      d.log(
        'warn',
        `sink ${s} holds ${pending(s)} records (bound ${d.maxPending}): pausing the partitions it holds back`,
      );
    for (const s of plan.released)
      d.log('info', `sink ${s} is down to ${pending(s)} records: resuming its partitions`);
  };

  const stage: Stage = {
    async process(messages, c) {
      if (stopping) {
        // Left to the next owner: never tracked, so never committed.
        for (const m of messages) unreadAtStop.add(key(m));
        return nothing;
      }
      const batch = routeBatch(messages.map(consumedRecord), {
        kindOf: (topic) => d.kinds.get(topic),
        route: d.router(),
        sinks: new Set(byName.keys()),
      });
      // Unreadable records are dead-lettered before their batch counts as taken.
      await d.dlq.rejected(batch.rejected);
      for (const p of batch.partitions) {
        const tp = { topic: p.topic, partition: p.partition };
        read.add(key(tp));
        const id = d.tracker.add(tp, p.firstOffset, p.lastOffset, p.bySink.keys());
        if (d.count) {
          const list = uncounted.get(key(tp)) ?? [];
          list.push({
            last: BigInt(p.lastOffset),
            in: p.timestampsMs.length,
            out: p.routed,
            dlq: p.rejected,
          });
          uncounted.set(key(tp), list);
        }
        if (p.kind === 'event') d.latency.track(id, p.timestampsMs, p.bySink.keys());
        for (const [sink, records] of p.bySink) byName.get(sink)?.enqueue(records, id);
      }
      reconcile(c);
      return nothing;
    },
    assigned(tps, c) {
      for (const tp of tps) read.delete(key(tp));
      c.resume([...pauses.adopt(tps)]);
      reconcile(c);
    },
    revoked(tps) {
      // Their new owner reads them again from the last commit; what the sinks still write of
      // them is idempotent and never committed here.
      for (const tp of tps) {
        d.latency.forget(d.tracker.revoke(tp));
        read.delete(key(tp));
        uncounted.delete(key(tp));
      }
      pauses.forget(tps);
    },
    tick(_caughtUp, c) {
      reconcile(c);
      return undefined;
    },
    durableOffsets(positions) {
      for (const p of positions)
        if (!unreadAtStop.has(key(p))) d.tracker.consumedTo({ ...p, offset: String(p.offset) });
      return d.tracker
        .committable()
        .map((c) => ({ topic: c.topic, partition: c.partition, offset: Number(c.offset) }));
    },
    markCommitted(offsets) {
      for (const off of offsets) d.tracker.markCommitted({ ...off, offset: String(off.offset) });
      d.metrics.commits.inc();
      if (d.count) countCommitted(offsets, d.count);
    },
  };

  function countCommitted(
    offsets: readonly (TopicPartition & { offset: number })[],
    count: NonNullable<StorageStageDeps['count']>,
  ) {
    const sum = { in: 0, out: 0, dlq: 0 };
    for (const off of offsets) {
      const list = uncounted.get(key(off));
      if (!list) continue;
      const next = BigInt(off.offset);
      let i = 0;
      for (; i < list.length && (list[i] as Uncounted).last < next; i++) {
        const u = list[i] as Uncounted;
        sum.in += u.in;
        sum.out += u.out;
        sum.dlq += u.dlq;
      }
      list.splice(0, i);
    }
    for (const m of ['in', 'out', 'dlq'] as const) if (sum[m] > 0) count(m, sum[m]);
  }

  return {
    stage,
    stopReading() {
      stopping = true;
      if (ctx) reconcile(ctx);
    },
  };
}
