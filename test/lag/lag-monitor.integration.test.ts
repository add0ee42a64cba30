// The lag monitor against the real broker and PostgreSQL: consumers stop while a producer runs
// (status leaves OK, lag grows, time lag tracks the true age of the oldest unconsumed record),
// then come back (they catch up, status OK, lag 0). Records carry known produce times; the true
// age of partition p's oldest unconsumed record is now − producedAt[p][committed offset].

import { createLagTracker, type PartitionLag } from '@sluice/core';
import { createDb, type Database, runMigrations } from '@sluice/db';
import {
  type Admin,
  type Consumer,
  createKafka,
  createProducer,
  ensureTopics,
  type Kafka,
} from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerList, loadEnv } from '../../apps/worker/src/env.ts';
import { type PollOutcome, runLagMonitor } from '../../apps/worker/src/lag/lag-monitor.ts';
import { testEnv, uniqueName } from '../env.ts';

const env = loadEnv();
const run = uniqueName('lag').replaceAll('_', '-');
const topic = `it-${run}`;
const group = `it-${run}-g`;
const schema = uniqueName('it_lag');
const PARTITIONS = 3;
const INTERVAL_MS = 500;
/** Stated tolerance of time lag against the truth (a poll interval plus scheduling noise). */
const TIME_LAG_TOLERANCE_S = 1.0;

let kafka: Kafka;
let admin: Admin;
let db: Database;
const polls: PollOutcome[] = [];
const monitor = new AbortController();
let monitorDone: Promise<void>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const latest = () => polls[polls.length - 1];
const partitionsOf = (o: PollOutcome | undefined): PartitionLag[] =>
  o?.report.groups.find((g) => g.group === group)?.partitions ?? [];
const sumLag = (o: PollOutcome | undefined) => partitionsOf(o).reduce((n, p) => n + p.offsetLag, 0);

async function until(what: string, ok: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function startConsumer(): Consumer {
  const consumer = kafka.consumer({
    kafkaJS: { groupId: group, fromBeginning: true, autoCommit: true, autoCommitInterval: 200 },
  });
  void consumer
    .connect()
    .then(() => consumer.subscribe({ topics: [topic] }))
    .then(() => consumer.run({ eachMessage: async () => {} }));
  return consumer;
}

beforeAll(async () => {
  kafka = createKafka({ brokers: brokerList(env), clientId: 'it-lag' });
  await ensureTopics(kafka, [
    { topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: [] },
  ]);
  await runMigrations({ url: testEnv.databaseUrl, schema });
  db = createDb({ url: testEnv.databaseUrl, searchPath: schema, maxConnections: 2 });
  admin = kafka.admin();
  await admin.connect();
  monitorDone = runLagMonitor(
    {
      admin,
      tracker: createLagTracker({ windowSize: 5 }),
      now: Date.now,
      log: () => {},
      db,
      groups: [group],
    },
    { intervalMs: INTERVAL_MS, signal: monitor.signal, onPoll: (o) => polls.push(o) },
  );
}, 60_000);

afterAll(async () => {
  monitor.abort();
  await monitorDone;
  await admin.deleteGroups([group]).catch(() => {});
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await db.$client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.$client.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await db.$client.end();
});

describe('lag monitor', () => {
  it('sees consumers stop and catch up, with time lag close to the truth', async () => {
    // partition → offset → wall time just before the send that wrote it.
    const producedAt = Array.from({ length: PARTITIONS }, () => new Map<number, number>());
    const producer = createProducer(kafka);
    await producer.connect();
    let producing = true;
    const production = (async () => {
      while (producing) {
        const t = Date.now();
        const results = await producer.send({
          topic,
          messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
            partition,
            value: String(t),
          })),
        });
        for (const r of results) {
          const offset = Number(r.offset ?? r.baseOffset);
          producedAt[r.partition]?.set(offset, t);
        }
        await sleep(50);
      }
    })();

    // Consuming: every partition committed, lag small, OK.
    let consumer = startConsumer();
    await until(
      'the group to consume every partition',
      () =>
        partitionsOf(latest()).length === PARTITIONS &&
        partitionsOf(latest()).every((p) => p.status === 'OK' && p.offsetLag < 50),
      30_000,
    );

    // Stopped: lag grows, status leaves OK.
    await consumer.disconnect();
    const stoppedAt = polls.length;
    await sleep(6000);
    const stopped = latest();
    const statuses = partitionsOf(stopped).map((p) => p.status);
    expect(statuses.every((s) => s === 'STOP' || s === 'WARN')).toBe(true);
    expect(sumLag(stopped)).toBeGreaterThan(sumLag(polls[stoppedAt]) + PARTITIONS * 50);

    // Time lag against the truth at that poll.
    const errors = partitionsOf(stopped).map((p) => {
      expect(p.committedOffset, `a commit on ${p.partition}`).not.toBeNull();
      const at = producedAt[p.partition]?.get(p.committedOffset ?? -1);
      expect(at, `produce time of ${p.partition}@${p.committedOffset}`).toBeDefined();
      expect(p.timeLagS).not.toBeNull();
      const truth = ((stopped?.report.atMs ?? 0) - (at ?? 0)) / 1000;
      return {
        partition: p.partition,
        truth,
        measured: p.timeLagS,
        error: (p.timeLagS ?? 0) - truth,
        estimated: p.timeLagEstimated,
      };
    });
    console.info('time lag vs truth', JSON.stringify(errors));
    for (const e of errors) expect(Math.abs(e.error)).toBeLessThanOrEqual(TIME_LAG_TOLERANCE_S);

    // Back: they catch up; once the producer stops, lag 0 and OK everywhere.
    consumer = startConsumer();
    await sleep(2000);
    producing = false;
    await production;
    await producer.disconnect();
    await until(
      'the group to catch up',
      () =>
        partitionsOf(latest()).length === PARTITIONS &&
        partitionsOf(latest()).every(
          (p) => p.offsetLag === 0 && p.status === 'OK' && p.timeLagS === 0,
        ),
      30_000,
    );
    await consumer.disconnect();

    // Every poll went to lag_samples, one row per partition.
    const rows = await db.$client.query(
      'SELECT count(*)::int AS n, count(DISTINCT sampled_at)::int AS polls FROM lag_samples WHERE group_id = $1',
      [group],
    );
    const withGroup = polls.filter((o) => partitionsOf(o).length > 0);
    expect(rows.rows[0].n).toBe(withGroup.reduce((n, o) => n + partitionsOf(o).length, 0));
    const ms = polls.map((o) => o.pollMs).sort((a, b) => a - b);
    console.info(
      'poll ms p50/max',
      ms[Math.floor(ms.length / 2)],
      ms[ms.length - 1],
      'polls',
      polls.length,
    );
  }, 60_000);
});
