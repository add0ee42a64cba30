// The console's resume on the real PostgreSQL and Kafka: a job whose runner died after claiming
// rows, some of which it had sent without recording it, is handed back to the workers
// (requestReplayResume, what the console's dlq.resume does) and the dlq-indexer's replay runner
// finishes it. Each entry is on the target topic exactly once, counted by its replay headers on
// the topic itself. Schema and topic are the test's own.
import { randomBytes } from 'node:crypto';
import { replayHeaders } from '@sluice/core';
import {
  claimReplayRows,
  createDb,
  type DlqEntryRow,
  getReplayJob,
  quoteIdent,
  requestReplayResume,
  runMigrations,
  setReplayJobStatus,
  writeDlqEntries,
} from '@sluice/db';
import { createKafka, IsolationLevel, readPartitionRanges } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerList, loadEnv } from '../env.ts';
import { kafkaReplayTransport, planReplayJob } from './dlq-replay.ts';
import { startReplayRunner } from './dlq-replay-runner.ts';

const env = loadEnv();
const brokers = brokerList(env);
const tag = randomBytes(4).toString('hex');
const schema = `it_replay_resume_${tag}`;
const topic = `it-resume-${tag}.events.raw`;
const N = 6;
const db = createDb({ url: env.DATABASE_URL, searchPath: schema, maxConnections: 4 });
const admin = createKafka({ brokers, clientId: `it-resume-${tag}` }).admin();

function row(i: number): DlqEntryRow {
  const value = Buffer.from(
    JSON.stringify({
      event_id: `resume-${tag}-${i}`,
      type: 'pageview',
      timestamp: '2026-11-30T10:00:00.000Z',
      user_id: `u-${i}`,
      session_id: `s-${i}`,
    }),
  );
  return {
    topic: 'events.dlq',
    partition: 0,
    offset: BigInt(i),
    envelopeValid: true,
    stage: 'enrichment',
    errorClass: 'LookupError',
    errorMessage: 'geoip timed out',
    retryable: true,
    attempts: 3,
    sourceTopic: topic,
    sourcePartition: 0,
    sourceOffset: BigInt(i),
    failedAt: new Date(),
    signature: 'f'.repeat(32),
    signatureText: 'enrichment LookupError geoip timed out',
    eventId: `resume-${tag}-${i}`,
    eventType: 'pageview',
    headers: {},
    originalKey: Buffer.from(`s-${i}`),
    originalValue: value,
    payloadText: value.toString(),
  };
}

/** Every record on the topic carrying replay headers of `jobId`: entry id → copies. */
async function copiesOnTopic(jobId: number): Promise<Map<number, number>> {
  const ends = await admin.fetchTopicOffsets(topic, {
    isolationLevel: IsolationLevel.READ_UNCOMMITTED,
  });
  const copies = new Map<number, number>();
  await readPartitionRanges({
    brokers,
    clientId: `it-resume-${tag}-read`,
    ranges: ends.map((p) => ({
      topic,
      partition: p.partition,
      sinceMs: 0,
      untilOffset: Number(p.high),
    })),
    timeoutMs: 60_000,
    onMessages: (messages) => {
      for (const m of messages) {
        const h = Object.assign({}, ...(m.headers ?? [])) as Record<string, Buffer | undefined>;
        if (h['sluice-replay-job']?.toString() !== String(jobId)) continue;
        const entry = Number(h['sluice-replay-entry']?.toString());
        copies.set(entry, (copies.get(entry) ?? 0) + 1);
      }
    },
  });
  return copies;
}

beforeAll(async () => {
  await runMigrations({ url: env.DATABASE_URL, schema });
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await writeDlqEntries(
    db,
    Array.from({ length: N }, (_, i) => row(i)),
  );
}, 60_000);

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdent(`${schema}_drizzle`)} CASCADE`);
  await db.$client.end();
});

describe('resuming a stopped replay job through the workers', () => {
  it('sends each entry once: the sends the dead runner made are found, the rest sent', async () => {
    const ids = (
      await db.$client.query<{ id: string }>('SELECT id FROM dlq_entries ORDER BY id')
    ).rows.map((r) => Number(r.id));
    const planned = await planReplayJob(db, {
      selection: { ids },
      target: { kind: 'source' },
      dryRun: false,
      actor: 'it-operator',
      stageTopics: { enrichment: topic, storage: `it-resume-${tag}.events.enriched` },
    });
    expect(planned.pending).toBe(N);

    // The runner that died: it claimed four rows, sent two of them, recorded neither.
    await setReplayJobStatus(db, planned.jobId, 'running');
    const claimed = await claimReplayRows(db, planned.jobId, 4);
    const { transport, close } = kafkaReplayTransport(brokers, `it-resume-${tag}-dead`);
    try {
      await transport.send(
        claimed.slice(0, 2).map((r) => ({
          topic: r.topic,
          key: r.key,
          value: r.payload,
          headers: replayHeaders(planned.jobId, r.entryId),
        })),
      );
    } finally {
      await close();
    }

    // The console's resume, then the dlq-indexer's runner.
    expect(await requestReplayResume(db, planned.jobId, 'operator@it.test')).toBe(true);
    const logs: string[] = [];
    const runner = startReplayRunner({
      db,
      brokers,
      storageTopic: `it-resume-${tag}.events.enriched`,
      search: { url: env.SEARCH_URL, index: `it-resume-${tag}-none` },
      log: (_level, message) => logs.push(message),
      pollMs: 200,
      graceMs: 0,
    });
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const job = (await getReplayJob(db, planned.jobId, 0))?.job;
        if (job?.status === 'done') break;
        if (Date.now() > deadline) throw new Error(`job not done: ${job?.status}; ${logs}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await runner.stop();
    }

    const copies = await copiesOnTopic(planned.jobId);
    expect(new Map([...copies].sort(([a], [b]) => a - b))).toEqual(
      new Map(ids.map((id) => [id, 1])),
    );
    const done = await getReplayJob(db, planned.jobId);
    expect(done?.job.status).toBe('done');
    expect(done?.rows.map((r) => r.state)).toEqual(Array(N).fill('sent'));
    expect(logs.join('\n')).toMatch(
      new RegExp(`replay job ${planned.jobId} \\(it-operator\\): 4 sent, 2 found already sent`),
    );
  }, 120_000);
});
