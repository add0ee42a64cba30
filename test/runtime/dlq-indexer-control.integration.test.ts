// The DLQ indexer obeys the control channel like the stages (`sluice stage … dlq-indexer`), with
// real indexers on the real broker and PostgreSQL: paused, the member keeps its partitions and
// the index stops growing while dead letters arrive; an indexer started while paused stays
// paused; stopped, the members leave the group and stay alive; resumed, the backlog is indexed,
// each record once.
import { Buffer } from 'node:buffer';
import { createKafka, createProducer } from '@sluice/kafka';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonRecords } from '../dlq/dlq-fixtures.ts';
import { testEnv, uniqueName } from '../env.ts';
import { groupLag, groupMembers } from '../support/kafka-reader.ts';
import { sluiceOk, waitFor } from '../support/sluice-cli.ts';
import { stageStatus, stopStage } from '../support/stage-cli.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';

const name = uniqueName('it-dlqctl').replaceAll('_', '-').toLowerCase();
const prefix = `${name}.`;
const schema = name.replaceAll('-', '_');
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  DATABASE_SCHEMA: schema,
  KAFKA_BROKERS: testEnv.kafkaBrokers,
};
const dlq = `${prefix}events.dlq`;
const group = `${prefix}dlq-indexers`;
const db = new pg.Pool({ connectionString: testEnv.databaseUrl, max: 2 });
const workers = workerProcesses(env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function indexed(): Promise<number> {
  const r = await db.query(`SELECT count(*)::int AS n FROM "${schema}".dlq_entries`);
  return r.rows[0].n;
}

const members = async () => (await groupMembers(group)).length;

async function sendDeadLetters(n: number, tag: string): Promise<void> {
  const producer = createProducer(
    createKafka({ brokers: testEnv.kafkaBrokers.split(','), clientId: name }),
  );
  await producer.connect();
  try {
    await producer.send({
      topic: dlq,
      messages: poisonRecords(n, { tag }).map((p) => ({
        key: p.record.key ? Buffer.from(p.record.key) : null,
        value: p.record.value ? Buffer.from(p.record.value) : null,
        headers: { ...p.record.headers },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

const startIndexer = (id: string) => workers.start('dlq-indexer', id);

beforeAll(async () => {
  await sluiceOk(['migrate', '--schema', schema], env);
  await sluiceOk(['topics', 'create'], env);
}, 120_000);

afterAll(() =>
  tearDownSuite({ workers: workers.all, topicPrefix: prefix, postgres: { db, schema } }),
);

describe('sluice stage pause / stop / resume dlq-indexer', () => {
  it('pauses, stops and resumes the DLQ indexer without losing or repeating an entry', async () => {
    const one = startIndexer('one');
    await one.waitForLog(/partitions assigned: \S+events\.dlq\[\d+\]/, 60_000);
    await sendDeadLetters(400, 'first');
    await waitFor('the first dead letters indexed', async () => (await indexed()) === 400, 60_000);

    // Paused: the member stays, the index does not grow, the lag is the new dead letters.
    await sluiceOk(['stage', 'pause', 'dlq-indexer', '--reason', 'integration test'], env);
    await one.waitForLog(
      /stage paused by cli:\S+ at .* \(integration test\) \(was running\)/,
      20_000,
    );
    await sendDeadLetters(300, 'second');
    // An indexer started now reads the channel before it joins: it takes partitions, paused.
    const two = startIndexer('two');
    await two.waitForLog(/partitions stay paused/, 60_000);
    await two.waitForLog(/partitions assigned: \S+events\.dlq\[\d+\]/, 60_000);
    await sleep(4000);
    expect(await indexed()).toBe(400);
    expect(await groupLag(group, dlq)).toBe(300);
    expect(await members()).toBe(2);
    expect(await stageStatus(env, 'dlq-indexer')).toMatchObject({
      group,
      state: 'paused',
      reason: 'integration test',
      members: 2,
      phase: 'stable',
      condition: 'paused',
    });

    // Stopped: the members leave the group, the processes stay up.
    await stopStage(env, 'dlq-indexer', group);
    expect(await stageStatus(env, 'dlq-indexer')).toMatchObject({
      state: 'stopped',
      phase: 'empty',
      condition: 'stopped',
    });
    expect(one.child.exitCode).toBeNull();
    expect(two.child.exitCode).toBeNull();
    expect(await indexed()).toBe(400);

    // Resumed: both rejoin and the backlog is indexed, once.
    await sluiceOk(['stage', 'resume', 'dlq-indexer'], env);
    await waitFor('the backlog indexed', async () => (await groupLag(group, dlq)) === 0, 90_000);
    expect(await members()).toBe(2);
    const r = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT (partition, "offset"))::int AS distinct_n
       FROM "${schema}".dlq_entries`,
    );
    expect(r.rows[0]).toEqual({ n: 700, distinct_n: 700 });

    for (const w of [one, two]) {
      w.child.kill('SIGTERM');
      expect(await w.exitCode(40_000), w.log()).toBe(0);
    }
  }, 300_000);
});
