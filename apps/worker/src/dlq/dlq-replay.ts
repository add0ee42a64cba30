// DLQ replay wired to PostgreSQL and Kafka: plan a job (core's planReplay on the db package's
// candidates), record it, run it (core's runReplayJob with the db store and a Kafka transport),
// and refresh outcomes (failed again, from the index; succeeded, once the event is in
// PostgreSQL's events table or the search index of errors). Everything decided lives in core and
// the SQL in @sluice/db; this file only connects them.
import { Buffer } from 'node:buffer';
import { Client as SearchClient } from '@elastic/elasticsearch';
import {
  type PlannedReplayJob,
  planAndRecordReplay,
  REPLAY_HEADERS,
  type ReplayJobPorts,
  type ReplayRequest,
  type ReplayRow,
  type ReplayRunResult,
  type ReplayStorePort,
  type ReplayTransportPort,
  replaySinksFor,
  runReplayJob,
} from '@sluice/core';
import {
  type AwaitingOutcome,
  type ClaimedReplayRow,
  claimReplayRows,
  createReplayJob,
  type Database,
  inFlightReplayRows,
  linkFailedAgain,
  loadReplayCandidates,
  lockReplayJob,
  markReplayRowsSent,
  markReplayRowsSucceeded,
  releaseReplayRows,
  replayRowsAwaitingOutcome,
  setReplayJobStatus,
  storedEventIds,
} from '@sluice/db';
import {
  createKafka,
  createProducer,
  IsolationLevel,
  type PartitionRange,
  readPartitionRanges,
} from '@sluice/kafka';

/** The db package's replay SQL as core's ports. */
export function replayJobPorts(db: Database): ReplayJobPorts {
  return {
    loadCandidates: (selection, limit) => loadReplayCandidates(db, selection, limit),
    createJob: (job, plan) => createReplayJob(db, job, plan),
  };
}

/** Plans and records a job; a dry run is recorded too (status dry-run), and sends nothing. */
export function planReplayJob(db: Database, req: ReplayRequest): Promise<PlannedReplayJob> {
  return planAndRecordReplay(replayJobPorts(db), req);
}

function dbStore(db: Database, actor: string, storageTopic: string): ReplayStorePort {
  const withSinks = (rows: ClaimedReplayRow[]): ReplayRow[] =>
    rows.map((r) => ({ ...r, sinks: replaySinksFor(r.stage, r.topic, storageTopic) }));
  return {
    inFlight: async (jobId) => withSinks(await inFlightReplayRows(db, jobId)),
    claim: async (jobId, n) => withSinks(await claimReplayRows(db, jobId, n)),
    markSent: (jobId, ids) => markReplayRowsSent(db, jobId, actor, ids),
    release: (jobId, ids) => releaseReplayRows(db, jobId, ids),
    setStatus: (jobId, status, reason) => setReplayJobStatus(db, jobId, status, reason),
  };
}

const text = (v: Buffer | string | undefined) =>
  v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');

/** Kafka: an idempotent producer, and a read of the target topics for recognising sends. */
export function kafkaReplayTransport(brokers: string[], clientId: string) {
  const kafka = createKafka({ brokers, clientId });
  const producer = createProducer(kafka);
  let connected: Promise<void> | undefined;
  const transport: ReplayTransportPort = {
    async send(records) {
      connected ??= producer.connect();
      await connected;
      const byTopic = new Map<string, typeof records>();
      for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((r) => ({
            key: r.key ? Buffer.from(r.key) : null,
            value: Buffer.from(r.value),
            headers: { ...r.headers },
          })),
        })),
      });
    },
    async alreadySent(jobId, rows) {
      return findSentRecords(brokers, `${clientId}-recognise`, jobId, rows);
    },
  };
  return {
    transport,
    close: async () => {
      if (connected) await producer.disconnect().catch(() => {});
    },
  };
}

/** Reads each target topic from a minute before the first claim to its end, by headers. */
async function findSentRecords(
  brokers: string[],
  clientId: string,
  jobId: number,
  rows: readonly ReplayRow[],
): Promise<Set<number>> {
  const ranges: PartitionRange[] = [];
  const sinceMs = Math.min(...rows.map((r) => new Date(r.claimedAt).getTime())) - 60_000;
  if (!Number.isFinite(sinceMs)) throw new Error('claimed rows without a claim time');
  const admin = createKafka({ brokers, clientId }).admin();
  await admin.connect();
  try {
    for (const topic of new Set(rows.map((r) => r.topic))) {
      const ends = await admin.fetchTopicOffsets(topic, {
        isolationLevel: IsolationLevel.READ_UNCOMMITTED,
      });
      for (const p of ends)
        ranges.push({ topic, partition: p.partition, sinceMs, untilOffset: Number(p.high) });
    }
  } finally {
    await admin.disconnect();
  }
  const wanted = new Set(rows.map((r) => r.entryId));
  const found = new Set<number>();
  await readPartitionRanges({
    brokers,
    clientId,
    ranges,
    timeoutMs: 120_000,
    onMessages: (messages) => {
      for (const m of messages) {
        let job: string | undefined;
        let entry: string | undefined;
        for (const h of m.headers ?? []) {
          job ??= text(h[REPLAY_HEADERS.job] as Buffer | undefined);
          entry ??= text(h[REPLAY_HEADERS.entry] as Buffer | undefined);
        }
        if (job === String(jobId) && entry !== undefined && wanted.has(Number(entry)))
          found.add(Number(entry));
      }
    },
  });
  return found;
}

export interface RunOptions {
  db: Database;
  jobId: number;
  actor: string;
  brokers: string[];
  /** The storage stage's input topic (events.enriched under the prefix). */
  storageTopic: string;
  rateLimit?: number | undefined;
  progress?: (p: { sent: number; recovered: number }) => void;
}

export class ReplayJobBusyError extends Error {}

/** Runs (or resumes) a job; only one runner per job at a time. */
export async function runReplay(o: RunOptions): Promise<ReplayRunResult> {
  const release = await lockReplayJob(o.db, o.jobId);
  if (!release) throw new ReplayJobBusyError(`job ${o.jobId} is being run by another process`);
  const { transport, close } = kafkaReplayTransport(o.brokers, `sluice-replay-${o.jobId}`);
  try {
    return await runReplayJob({
      jobId: o.jobId,
      store: dbStore(o.db, o.actor, o.storageTopic),
      transport,
      ratePerSecond: o.rateLimit,
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      progress: o.progress,
    });
  } finally {
    await close();
    await release();
  }
}

export interface OutcomeStores {
  db: Database;
  /** The search index of error and exception events; undefined to look in PostgreSQL only. */
  search?: { url: string; index: string } | undefined;
}

/** Ids among `ids` that the search index holds. */
async function searchedEventIds(
  search: NonNullable<OutcomeStores['search']>,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const client = new SearchClient({ node: search.url, requestTimeout: 10_000 });
  try {
    if (!(await client.indices.exists({ index: search.index }))) return new Set();
    const r = await client.mget({ index: search.index, ids: [...ids], _source: false });
    return new Set(r.docs.filter((d) => 'found' in d && d.found).map((d) => d._id as string));
  } finally {
    await client.close();
  }
}

/**
 * Brings outcomes up to date: failed-again first (a newer entry of the event says so, even if a
 * copy of it reached a store), then succeeded for sent rows whose event is stored.
 */
export async function refreshReplayOutcomes(
  s: OutcomeStores,
): Promise<{ failedAgain: number; succeeded: number }> {
  const links = await linkFailedAgain(s.db);
  const awaiting = await replayRowsAwaitingOutcome(s.db);
  const ids = [...new Set(awaiting.map((a) => a.eventId))];
  const inPg = await storedEventIds(s.db, ids);
  const inSearch = s.search
    ? await searchedEventIds(
        s.search,
        ids.filter((id) => !inPg.has(id)),
      )
    : new Set<string>();
  const done: AwaitingOutcome[] = awaiting.filter(
    (a) => inPg.has(a.eventId) || inSearch.has(a.eventId),
  );
  const succeeded = await markReplayRowsSucceeded(s.db, done);
  return { failedAgain: links.length, succeeded };
}
