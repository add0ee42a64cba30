// The exactly-once Enrichment stage: consumer group `enrichment-workers` on events.raw. A batch
// is enriched by the pure pipeline, and its enriched events, its DLQ records and its input
// positions are committed in ONE Kafka transaction by the stage runner (@sluice/kafka), which
// also owns rebalances, aborts (the batch is read again) and fencing (the worker stops).
//
// Duplicates by event_id within ENRICH_DEDUP_HORIZON_MS are dropped here, before the
// aggregation and every store (core's dedup-window.ts). The window of a partition is a function
// of its records up to the committed offset, so a worker that takes a partition over (or rewinds
// it after an abort) rebuilds it by re-reading the partition's last horizon of events.raw.
import {
  createDedupWindow,
  createEventParser,
  type DedupWindow,
  DLQ_HEADERS,
  type EnrichConfig,
  type RawMessage,
  type StageControl,
} from '@sluice/core';
import {
  type ConsumedMessage,
  type FetchTuning,
  type LogFn,
  messageKey,
  type OutRecord,
  type RunningStage,
  readPartitionRanges,
  type Stage,
  startStage,
  type TopicPartition,
} from '@sluice/kafka';
import type { EnrichmentMetrics } from './enrichment-metrics.ts';
import type { EnrichmentPipeline } from './enrichment-pipeline.ts';

export interface EnrichmentWorkerOptions {
  brokers: string[];
  pipeline: EnrichmentPipeline;
  metrics: EnrichmentMetrics;
  workerId: string;
  staticMembership: boolean;
  groupId: string;
  inputTopic: string;
  outputTopic: string;
  dlqTopic: string;
  maxBatchSize: number;
  /** When the broker answers a fetch (the Kafka package's default when absent). */
  fetch?: FetchTuning;
  commitIntervalMs: number;
  /** Records counted per stage for the console (in, out, dlq, duplicate). */
  count?: (metric: string, n: number) => void;
  /** Drop duplicates by event_id within this horizon; undefined: keep every record. */
  dedup?: { horizonMs: number; maxIds: number; parser: EnrichConfig; now?: () => number };
  log: LogFn;
  onReady: (ready: boolean, reason: string) => void;
  /** The stage's desired state from the control channel (running when absent). */
  control?: () => StageControl;
}

const asBuffer = (bytes: Uint8Array | null): Buffer | null =>
  bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const toRaw = (m: ConsumedMessage): RawMessage => ({
  key: messageKey(m),
  value: m.value,
  topic: m.topic,
  partition: m.partition,
  offset: String(m.offset),
  timestamp: String(m.timestamp ?? 0),
});

/**
 * A record's own headers (a producer's trace context, a replay's job and entry), passed on with
 * what the stage makes of it, as Kafka Streams forwards headers: on the enriched record and on
 * its dead letter (whose sluice.* headers win a clash). A repeated key keeps its last value.
 */
function headersByOffset(messages: readonly ConsumedMessage[]) {
  const out = new Map<string, Record<string, Buffer>>();
  for (const m of messages) {
    if (!m.headers || m.headers.length === 0) continue;
    const h: Record<string, Buffer> = {};
    for (const pair of m.headers)
      for (const [k, v] of Object.entries(pair))
        h[k] = typeof v === 'string' ? Buffer.from(v) : Buffer.from(v as Uint8Array);
    out.set(`${m.partition}:${m.offset}`, h);
  }
  return out;
}

/** A record's own headers travel on to its dead letter up to this size. */
const OWN_HEADERS_MAX_BYTES = 64 * 1024;

/** How long restoring the duplicate windows of newly owned partitions may take. */
const DEDUP_RESTORE_TIMEOUT_MS = 120_000;

export function startEnrichmentWorker(o: EnrichmentWorkerOptions): Promise<RunningStage> {
  return startStage({
    brokers: o.brokers,
    groupId: o.groupId,
    topics: [o.inputTopic],
    workerId: o.workerId,
    staticMembership: o.staticMembership,
    maxBatch: o.maxBatchSize,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    mode: 'transactional',
    commitIntervalMs: o.commitIntervalMs,
    log: o.log,
    onReady: o.onReady,
    control: o.control,
    stage: enrichmentStage(o),
  });
}

/** The stage itself, apart from the runner: `sluice bench` also runs it on a candidate client. */
export function enrichmentStage(
  o: Pick<
    EnrichmentWorkerOptions,
    | 'brokers'
    | 'pipeline'
    | 'metrics'
    | 'workerId'
    | 'groupId'
    | 'outputTopic'
    | 'dlqTopic'
    | 'count'
    | 'dedup'
    | 'log'
  >,
): Stage {
  const windows = new Map<number, DedupWindow>();
  const dedup = o.dedup;
  const newWindow = () =>
    createDedupWindow({ horizonMs: dedup?.horizonMs ?? 1, maxIds: dedup?.maxIds ?? 1 });
  const parseEvent = dedup ? createEventParser(dedup.parser) : undefined;

  /** The windows of these partitions as of their committed offsets, from their input. */
  async function restore(
    tps: TopicPartition[],
    committed: (tp: TopicPartition) => number | undefined,
  ) {
    if (!dedup || !parseEvent) return;
    const started = Date.now();
    // One horizon before now covers one before the last committed record: that is never later.
    const sinceMs = (dedup.now ?? Date.now)() - dedup.horizonMs;
    const ranges = tps.map((tp) => ({ ...tp, sinceMs, untilOffset: committed(tp) ?? 0 }));
    for (const tp of tps) windows.set(tp.partition, newWindow());
    const read = await readPartitionRanges({
      brokers: o.brokers,
      clientId: `${o.groupId}-${o.workerId}-dedup`,
      ranges,
      timeoutMs: DEDUP_RESTORE_TIMEOUT_MS,
      onMessages(messages) {
        for (const m of messages) {
          if (m.value === null) continue;
          // Only what was passed on is in a window; an invalid record went to the DLQ.
          const parsed = parseEvent(m.value);
          if (parsed.kind === 'ok')
            windows.get(m.partition)?.check(parsed.event.event_id, m.timestamp ?? 0);
        }
      },
    });
    o.log(
      'info',
      `duplicate windows of partitions ${tps.map((t) => t.partition).join(', ')} restored from ${read} records in ${Date.now() - started} ms`,
    );
  }

  return {
    async assigned(tps, ctx) {
      await restore(tps, (tp) => ctx.committed(tp));
    },
    revoked(tps) {
      for (const tp of tps) windows.delete(tp.partition);
    },
    async process(messages) {
      const started = process.hrtime.bigint();
      const result = await o.pipeline.process(messages.map(toRaw));
      const carried = headersByOffset(messages);
      const records: OutRecord[] = [];
      let duplicates = 0;
      for (const r of result.enriched) {
        if (dedup && windows.get(r.partition)?.check(r.eventId, Number(r.timestamp))) {
          duplicates++;
          continue;
        }
        const headers = carried.size > 0 ? carried.get(`${r.partition}:${r.offset}`) : undefined;
        records.push({
          topic: o.outputTopic,
          key: asBuffer(r.key),
          value: r.value,
          timestamp: Number(r.timestamp),
          ...(headers ? { headers } : {}),
        });
      }
      for (const r of result.dlq) {
        const own =
          carried.size > 0
            ? carried.get(
                `${r.headers[DLQ_HEADERS.sourcePartition]}:${r.headers[DLQ_HEADERS.sourceOffset]}`,
              )
            : undefined;
        // Bounded like the rest of the dead letter (core's maxRecordBytes keeps key, value and
        // sluice.* headers under 900 KB): a record's own headers beyond 64 KB are left out.
        const ownBytes = own
          ? Object.entries(own).reduce((n, [k, v]) => n + k.length + v.byteLength, 0)
          : 0;
        records.push({
          topic: o.dlqTopic,
          key: asBuffer(r.key),
          value: asBuffer(r.value),
          headers:
            ownBytes <= OWN_HEADERS_MAX_BYTES
              ? { ...own, ...r.headers }
              : { ...r.headers, 'sluice.source.headers.omitted': String(ownBytes) },
        });
      }
      return {
        records,
        onCommitted() {
          o.metrics.transactions.inc({ outcome: 'commit' });
          o.metrics.eventsIn.inc(messages.length);
          o.metrics.eventsOut.inc(result.enriched.length - duplicates);
          o.metrics.duplicates.inc(duplicates);
          o.metrics.retried.inc(result.retried);
          for (const [reason, n] of result.dlqReasons) o.metrics.eventsDlq.inc({ reason }, n);
          o.metrics.batchSize.observe(messages.length);
          o.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
          o.count?.('in', messages.length);
          o.count?.('out', result.enriched.length - duplicates);
          if (duplicates > 0) o.count?.('duplicate', duplicates);
          o.count?.('dlq', result.dlq.length);
        },
      };
    },
    aborted(tps) {
      o.metrics.transactions.inc({ outcome: 'abort' });
      // Their windows hold ids of records whose output was discarded: rebuilt when the runner
      // hands the rewound partitions back (assigned).
      for (const tp of tps) windows.delete(tp.partition);
    },
  };
}
