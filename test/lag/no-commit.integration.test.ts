// A group that subscribed but has committed nothing, on a topic with records, against the real
// broker: the lag monitor's report and lag_samples, `sluice lag` (table and --json) and the
// monitor's /metrics all show its partitions as "no commit", with lag counted from the log start
// offset, which is not offset 0 where records were deleted below it.
import { createLagTracker, type PartitionLag } from '@sluice/core';
import { createDb, type Database, runMigrations } from '@sluice/db';
import {
  type Admin,
  type Consumer,
  createKafka,
  createProducer,
  ensureTopics,
  type Kafka,
  readLagSnapshot,
} from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerList, loadEnv } from '../../apps/worker/src/env.ts';
import { pollLagOnce } from '../../apps/worker/src/lag/lag-monitor.ts';
import { readLagHistory } from '../../apps/worker/src/lag/lag-store.ts';
import { testEnv, uniqueName } from '../env.ts';
import { runSluice, startSluice } from '../support/sluice-cli.ts';

const env = loadEnv();
const run = uniqueName('nocommit').replaceAll('_', '-');
const topic = `it-${run}`;
const group = `it-${run}-g`;
const schema = uniqueName('it_nocommit');
/** Records per partition; partition 0 then loses its first 2 to a delete-records. */
const RECORDS = [5, 3, 0];
const DELETED_ON_0 = 2;
const EXPECTED_LAG = [5 - DELETED_ON_0, 3, 0];

let kafka: Kafka;
let admin: Admin;
let db: Database;
let consumer: Consumer;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  kafka = createKafka({ brokers: brokerList(env), clientId: 'it-no-commit' });
  await ensureTopics(kafka, [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [] }]);
  const producer = createProducer(kafka);
  await producer.connect();
  await producer.send({
    topic,
    messages: RECORDS.flatMap((n, partition) =>
      Array.from({ length: n }, (_, i) => ({ partition, value: `r${partition}-${i}` })),
    ),
  });
  await producer.disconnect();
  admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopicRecords({
    topic,
    partitions: [{ partition: 0, offset: String(DELETED_ON_0) }],
  });
  await runMigrations({ url: testEnv.databaseUrl, schema });
  db = createDb({ url: testEnv.databaseUrl, searchPath: schema, maxConnections: 2 });

  // Subscribed and reading, but never committing: no auto-commit, no commit calls.
  consumer = kafka.consumer({
    kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  void consumer.run({ eachMessage: async () => {} });
}, 60_000);

afterAll(async () => {
  await consumer?.disconnect().catch(() => {});
  await admin.deleteGroups([group]).catch(() => {});
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await db.$client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.$client.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await db.$client.end();
});

describe('a group that has committed nothing', () => {
  it('lags by the records from the log start, marked no commit, everywhere', async () => {
    // The premise: the group is a member with the partitions assigned, and the broker has no
    // committed offset for it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { snapshot } = await readLagSnapshot(admin, { groups: [group], now: Date.now });
      if (snapshot.groups[0]?.uncommitted?.length === 3) break;
      if (Date.now() > deadline) throw new Error('the group was never assigned its partitions');
      await sleep(200);
    }
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const committed = offsets.flatMap((t) => t.partitions).filter((p) => Number(p.offset) >= 0);
    expect(committed).toEqual([]);

    // The lag monitor's poll: report and lag_samples.
    const tracker = createLagTracker({ windowSize: 3 });
    let partitions: PartitionLag[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await pollLagOnce({
        admin,
        tracker,
        now: Date.now,
        log: () => {},
        db,
        groups: [group],
      });
      expect(outcome.errors).toEqual([]);
      partitions = outcome.report.groups[0]?.partitions ?? [];
      await sleep(300);
    }
    expect(
      partitions.map((p) => ({
        partition: p.partition,
        committed: p.committedOffset,
        logStart: p.logStartOffset,
        lag: p.offsetLag,
      })),
    ).toEqual(
      EXPECTED_LAG.map((lag, partition) => ({
        partition,
        committed: null,
        logStart: partition === 0 ? DELETED_ON_0 : 0,
        lag,
      })),
    );
    // A member, nothing committed, records waiting, a full window: stalled, and why.
    expect(partitions.map((p) => p.status)).toEqual(['STALL', 'STALL', 'OK']);
    expect(partitions[0]?.statusReason).toMatch(/^consumer present but nothing committed/);

    const rows = await db.$client.query(
      `SELECT partition, committed_offset, offset_lag::int AS offset_lag FROM lag_samples
        WHERE group_id = $1 AND sampled_at = (SELECT max(sampled_at) FROM lag_samples WHERE group_id = $1)
        ORDER BY partition`,
      [group],
    );
    expect(rows.rows).toEqual(
      EXPECTED_LAG.map((offset_lag, partition) => ({
        partition,
        committed_offset: null,
        offset_lag,
      })),
    );
    // `sluice lag` rebuilds its history from those rows: the log start comes back with them.
    const history = await readLagHistory(db, Date.now() - 60_000, [group]);
    expect(history.length).toBe(3);
    expect(history[2]?.groups[0]?.uncommitted?.length).toBe(3);
    expect(history[2]?.startOffsets?.find((s) => s.partition === 0)?.offset).toBe(DELETED_ON_0);

    // `sluice lag`, JSON and table, through the CLI as users run it.
    const cli = { ...process.env, SLUICE_TOPIC_PREFIX: '' };
    const json = await runSluice(['lag', '--json', '--group', group, '--no-history'], cli);
    expect(json.code, json.stderr).toBe(0);
    const records = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(
      records.map((r) => ({
        partition: r.partition,
        committed_offset: r.committed_offset,
        no_commit: r.no_commit,
        log_start_offset: r.log_start_offset,
        offset_lag: r.offset_lag,
      })),
    ).toEqual(
      EXPECTED_LAG.map((offset_lag, partition) => ({
        partition,
        committed_offset: null,
        no_commit: true,
        log_start_offset: partition === 0 ? DELETED_ON_0 : 0,
        offset_lag,
      })),
    );
    const table = await runSluice(['lag', '--group', group, '--no-history'], cli);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split('\n').filter((l) => l.startsWith(group));
    expect(lines.length).toBe(3);
    for (const [partition, line] of lines.entries()) {
      const cells = line.split(/\s{2,}/);
      expect(cells.slice(0, 6)).toEqual([
        group,
        topic,
        String(partition),
        'no commit',
        String(RECORDS[partition]),
        String(EXPECTED_LAG[partition]),
      ]);
    }

    // The monitor as deployed: its /metrics.
    const monitor = startSluice(
      [
        'worker',
        'lag-monitor',
        '--interval',
        '1',
        '--group',
        group,
        '--no-cloudwatch',
        '--no-db',
        '--metrics-port',
        '0',
      ],
      cli,
    );
    try {
      await monitor.waitForLog(/"msg":"poll"/);
      const port = /"msg":"lag monitor started".*?"port":(\d+)/.exec(monitor.log())?.[1];
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const series = (name: string) =>
        text
          .split('\n')
          .filter((l) => l.startsWith(`${name}{`) && l.includes(`group="${group}"`))
          .map((l) => [Number(/partition="(\d+)"/.exec(l)?.[1]), Number(l.split(' ').at(-1))])
          .sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(series('sluice_consumer_no_commit')).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
      expect(series('sluice_consumer_offset_lag')).toEqual(EXPECTED_LAG.map((l, p) => [p, l]));
    } finally {
      monitor.child.kill('SIGTERM');
      expect(await monitor.exited).toBe(0);
    }
  }, 90_000);
});
