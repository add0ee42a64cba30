// DLQ index entries for the browser tests, written as the indexer writes them
// (writeDlqEntries) into the schema of the console under test: a signature with JSON payloads
// on pageviews, one with bytes that are not text, and one whose value was cut to the record's
// size bound (sluice.value.truncated). And a replay job whose runner died mid-run, as the
// replay tables hold it then, for the jobs page's resume. The entries came from the run's own
// topics (its prefix), so a replay of them goes to the run's pipeline, never a developer's.
import {
  claimReplayRows,
  createDb,
  createReplayJob,
  type DlqEntryRow,
  setReplayJobStatus,
  writeDlqEntries,
} from '@sluice/db';
import { e2eEnv } from './env.ts';

export const DLQ_SEED = {
  schemaError: {
    signature: 'c'.repeat(32),
    text: 'enrichment SchemaError field "<s>" is not a time',
    count: 3,
  },
  binary: {
    signature: 'd'.repeat(32),
    text: 'enrichment DecodeError payload is not UTF-8',
    count: 1,
  },
  truncated: {
    signature: 'e'.repeat(32),
    text: 'storage:timescale SinkError row too large',
    /** The original value's length; 1000 bytes of it are kept. */
    originalBytes: 1_200_000,
  },
  stoppedJob: { eventId: 'e2e-dlq-stopped', actor: 'e2e-seed', signature: 'a'.repeat(32) },
} as const;

function row(i: number, over: Partial<DlqEntryRow> = {}): DlqEntryRow {
  const payload = JSON.stringify({ event_id: `e2e-dlq-${i}`, type: 'pageview', ts: 'yesterday' });
  return {
    topic: 'e2e.events.dlq',
    partition: 0,
    offset: BigInt(i),
    envelopeValid: true,
    stage: 'enrichment',
    errorClass: 'SchemaError',
    errorMessage: 'field "ts" is not a time',
    errorStack: 'SchemaError: field "ts" is not a time\n    at validateEvent (event-schema.ts:42)',
    retryable: false,
    attempts: 1,
    sourceTopic: e2eEnv.names.topics.raw,
    sourcePartition: 2,
    sourceOffset: BigInt(500 + i),
    failedAt: new Date(Date.now() - (10 - i) * 60_000),
    signature: DLQ_SEED.schemaError.signature,
    signatureText: DLQ_SEED.schemaError.text,
    eventId: `e2e-dlq-${i}`,
    eventType: 'pageview',
    headers: {
      'sluice.stage': 'enrichment',
      'sluice.error.class': 'SchemaError',
      'x-e2e-origin': `shop-${i}`,
    },
    originalKey: Buffer.from(`user-${i}`),
    originalValue: Buffer.from(payload),
    payloadText: payload,
    ...over,
  };
}

const dbOf = () =>
  createDb({ url: e2eEnv.databaseUrl, searchPath: e2eEnv.schema, maxConnections: 1 });

const truncatedValue = Buffer.from(
  JSON.stringify({ event_id: 'e2e-dlq-cut', type: 'pageview', props: 'x'.repeat(2000) }),
).subarray(0, 1000);

export async function seedDlq(): Promise<void> {
  const db = dbOf();
  try {
    await writeDlqEntries(db, [
      row(1),
      row(2),
      row(3),
      row(4, {
        errorClass: 'DecodeError',
        errorMessage: 'payload is not UTF-8',
        signature: DLQ_SEED.binary.signature,
        signatureText: DLQ_SEED.binary.text,
        eventId: null,
        eventType: null,
        originalValue: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
        payloadText: null,
      }),
      row(5, {
        stage: 'storage:timescale',
        errorClass: 'SinkError',
        errorMessage: 'row too large',
        signature: DLQ_SEED.truncated.signature,
        signatureText: DLQ_SEED.truncated.text,
        eventId: 'e2e-dlq-cut',
        sourceTopic: e2eEnv.names.topics.enriched,
        headers: {
          'sluice.stage': 'storage:timescale',
          'sluice.value.truncated': String(DLQ_SEED.truncated.originalBytes),
        },
        originalValue: truncatedValue,
        payloadText: truncatedValue.toString(),
      }),
      row(6, {
        errorClass: 'LookupError',
        errorMessage: 'geoip timed out',
        signature: DLQ_SEED.stoppedJob.signature,
        signatureText: 'enrichment LookupError geoip timed out',
        eventId: DLQ_SEED.stoppedJob.eventId,
        failedAt: new Date(Date.now() - 3600_000),
      }),
    ]);
  } finally {
    await db.$client.end();
  }
}

/**
 * A replay job of the seeded entry 6 whose runner died having claimed it: status running, its
 * row `sending`, no runner holding it. Made once per schema; the job's id.
 */
export async function seedStoppedReplayJob(): Promise<number> {
  const db = dbOf();
  try {
    const found = await db.$client.query<{ id: string; job: string | null }>(
      `SELECT e.id, (SELECT r.job_id FROM dlq_replay_job_entries r WHERE r.entry_id = e.id
         ORDER BY r.job_id LIMIT 1) AS job FROM dlq_entries e WHERE e.event_id = $1`,
      [DLQ_SEED.stoppedJob.eventId],
    );
    const entry = found.rows[0];
    if (!entry) throw new Error('seedDlq first: no entry for the stopped job');
    if (entry.job !== null) return Number(entry.job);
    const payload = Buffer.from(JSON.stringify({ event_id: DLQ_SEED.stoppedJob.eventId }));
    const job = await createReplayJob(
      db,
      {
        createdBy: DLQ_SEED.stoppedJob.actor,
        selection: { ids: [Number(entry.id)] },
        target: 'source',
        targetStage: null,
        edit: null,
        rateLimit: null,
        dryRun: false,
      },
      [
        {
          entryId: Number(entry.id),
          action: 'send',
          eventId: DLQ_SEED.stoppedJob.eventId,
          topic: e2eEnv.names.topics.raw,
          key: null,
          payload,
          edited: false,
        },
      ],
    );
    await setReplayJobStatus(db, job.jobId, 'running');
    await claimReplayRows(db, job.jobId, 1);
    return job.jobId;
  } finally {
    await db.$client.end();
  }
}
