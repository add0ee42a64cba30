// Stage states through the console: read from and written to a real control topic on the real
// broker; pause and resume for operators, stop for admins only; every change audited with the
// state before and after, every refusal audited by the guard.
import { auditLog } from '@sluice/db';
import {
  createKafka,
  createKafkaAdminReader,
  createOffsetResetClient,
  createProducer,
  createStageControlClient,
  ensureTopics,
  type StageControlClient,
} from '@sluice/kafka';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import { desc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const prefix = `${uniqueName('web-stages').replaceAll('_', '-')}.`;
const brokers = testEnv.kafkaBrokers.split(',');
const topic = `${prefix}sluice.control`;
const kafka = createKafka({ brokers, clientId: 'web-stages-test' });
const raw = `${prefix}events.raw`;
const group = `${prefix}enrichment-workers`;
const enriched = `${prefix}events.enriched`;
const aggregationGroup = `${prefix}aggregation-workers`;
let controls: StageControlClient;
let h: RouterHarness;

beforeAll(async () => {
  await ensureTopics(kafka, [
    {
      topic,
      numPartitions: 1,
      replicationFactor: -1,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ]);
  controls = createStageControlClient({ brokers, clientId: 'web-stages-test', topic });
  h = await createRouterHarness(createKafkaAdminReader(brokers), {
    controls,
    offsets: createOffsetResetClient(brokers),
    pipeline: { topicPrefix: prefix },
  });
}, 60_000);

afterAll(async () => {
  await controls.close();
  await h.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, raw, enriched] });
  await admin.deleteGroups([group, aggregationGroup]).catch(() => {});
  await admin.disconnect();
});

describe('stages', () => {
  it('lists every stage as running until someone sets it', async () => {
    const list = await h.viewer.stages.list();
    expect(list.map((s) => [s.stage, s.group, s.state, s.by])).toEqual([
      ['enrichment', `${prefix}enrichment-workers`, 'running', null],
      ['aggregation', `${prefix}aggregation-workers`, 'running', null],
      ['storage', `${prefix}storage-writers`, 'running', null],
      ['dlqIndex', `${prefix}dlq-indexers`, 'running', null],
    ]);
    // No worker runs under this prefix: the groups have no members, nor offsets (Kafka: Dead),
    // and the first look cannot say since when.
    expect(list.map((s) => [s.members, s.kafka, s.condition])).toEqual(
      Array(4).fill([
        { ok: true, count: 0 },
        { ok: true, kafkaState: 'Dead', phase: 'dead', since: null },
        { text: 'running, group dead (no member, no offsets)', since: null },
      ]),
    );
  });

  it('lets an operator pause and resume, audited with before and after', async () => {
    const paused = await h.operator.stages.set({
      stage: 'aggregation',
      state: 'paused',
      reason: 'TimescaleDB upgrade',
    });
    expect(paused).toMatchObject({ state: 'paused', by: 'operator@example.test' });
    const listed = (await h.viewer.stages.list()).find((s) => s.stage === 'aggregation');
    expect(listed).toMatchObject({
      state: 'paused',
      by: 'operator@example.test',
      reason: 'TimescaleDB upgrade',
      at: paused.at,
    });
    await h.operator.stages.set({ stage: 'aggregation', state: 'running' });
    expect((await h.viewer.stages.list()).find((s) => s.stage === 'aggregation')?.state).toBe(
      'running',
    );
    const rows = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.target, `${prefix}aggregation-workers`))
      .orderBy(auditLog.id);
    expect(rows.map((r) => [r.actor, r.action, r.details])).toEqual([
      [
        'operator@example.test',
        'stage.pause',
        { before: 'running', after: 'paused', reason: 'TimescaleDB upgrade' },
      ],
      [
        'operator@example.test',
        'stage.resume',
        { before: 'paused', after: 'running', reason: null },
      ],
    ]);
  });

  it('keeps stopping for admins; a viewer changes nothing; both refusals are audited', async () => {
    expect(await codeOf(h.viewer.stages.set({ stage: 'storage', state: 'paused' }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(h.operator.stages.set({ stage: 'storage', state: 'stopped' }))).toBe(
      'FORBIDDEN',
    );
    expect((await h.viewer.stages.list()).find((s) => s.stage === 'storage')?.state).toBe(
      'running',
    );
    const refusals = await h.db
      .select()
      .from(auditLog)
      .where(like(auditLog.target, 'stages.set'))
      .orderBy(auditLog.id);
    expect(refusals.map((r) => [r.actor, (r.details as { reason?: string }).reason])).toEqual([
      ['viewer@example.test', 'requires the operator role'],
      ['operator@example.test', 'stopping a stage requires the admin role'],
    ]);

    await h.admin.stages.set({ stage: 'storage', state: 'stopped', reason: 'offset reset' });
    expect((await h.viewer.stages.list()).find((s) => s.stage === 'storage')).toMatchObject({
      state: 'stopped',
      by: 'admin@example.test',
    });
    // Resuming a stopped stage is an operator's call again.
    await h.operator.stages.set({ stage: 'storage', state: 'running' });
  });

  it("controls the DLQ indexer's group like a stage's", async () => {
    await h.operator.stages.set({ stage: 'dlqIndex', state: 'paused', reason: 'index rebuild' });
    // What the indexers read: the record under their group on the control topic.
    expect((await controls.list()).get(`${prefix}dlq-indexers`)).toMatchObject({
      state: 'paused',
      by: 'operator@example.test',
      reason: 'index rebuild',
    });
    expect((await h.viewer.stages.list()).find((s) => s.stage === 'dlqIndex')).toMatchObject({
      label: 'DLQ indexer',
      state: 'paused',
    });
    await h.operator.stages.set({ stage: 'dlqIndex', state: 'running' });
    expect((await controls.list()).get(`${prefix}dlq-indexers`)?.state).toBe('running');
  });

  it('refuses an unknown stage or state and an over-long reason', async () => {
    const bad = [
      { stage: 'nope', state: 'paused' },
      { stage: 'storage', state: 'asleep' },
      { stage: 'storage', state: 'paused', reason: 'r'.repeat(501) },
    ] as never[];
    for (const input of bad) expect(await codeOf(h.operator.stages.set(input))).toBe('BAD_REQUEST');
  });

  it('previews and applies an offset reset for admins, once the group is empty and named', async () => {
    await ensureTopics(kafka, [
      { topic: raw, numPartitions: 2, replicationFactor: -1, configEntries: [] },
    ]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: raw,
      messages: Array.from({ length: 10 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        partition: i % 2,
      })),
    });
    await producer.disconnect();
    const earliest = { stage: 'enrichment' as const, target: { kind: 'earliest' as const } };
    expect(await codeOf(h.operator.stages.resetPreview(earliest))).toBe('FORBIDDEN');
    // No commit yet: the group would start at the log start, so nothing is read again.
    const latest = await h.admin.stages.resetPreview({ ...earliest, target: { kind: 'latest' } });
    expect(latest).toMatchObject({ group, members: 0, reprocess: 0, skip: 10, errors: [] });
    await h.admin.stages.reset({ ...earliest, target: { kind: 'latest' }, confirm: group });
    const back = await h.admin.stages.resetPreview(earliest);
    expect(back.rows.map((r) => [r.partition, r.current, r.next, r.reprocess])).toEqual([
      [0, 5, 0, 5],
      [1, 5, 0, 5],
    ]);

    expect(await codeOf(h.admin.stages.reset({ ...earliest, confirm: 'enrichment-workers' }))).toBe(
      'BAD_REQUEST',
    );
    expect(
      await codeOf(
        h.admin.stages.reset({
          stage: 'enrichment',
          target: { kind: 'offsets', spec: '0=99' },
          confirm: group,
        }),
      ),
    ).toBe('BAD_REQUEST');

    // A member in the group: refused in plain words.
    const member = kafka.consumer({ kafkaJS: { groupId: group, fromBeginning: false } });
    await member.connect();
    await member.subscribe({ topics: [raw] });
    void member.run({ eachMessage: async () => {} });
    try {
      await expect
        .poll(async () => (await h.admin.stages.resetPreview(earliest)).members, {
          timeout: 30_000,
        })
        .toBe(1);
      // The group went from empty to stable while this console looked: dated from the look
      // that saw it (the harness's clock), and the stage reads as plain running.
      const seen = async () => (await h.viewer.stages.list()).find((s) => s.stage === 'enrichment');
      await expect
        .poll(async () => (await seen())?.kafka, { timeout: 30_000 })
        .toMatchObject({
          phase: 'stable',
          since: expect.any(String),
        });
      expect((await seen())?.condition).toEqual({ text: 'running', since: null });
      await expect(h.admin.stages.reset({ ...earliest, confirm: group })).rejects.toThrow(
        /has 1 member: Kafka does not change the offsets of a group that has members\. Stop the stage first\./,
      );
    } finally {
      await member.disconnect();
    }

    await expect
      .poll(async () => (await h.admin.stages.resetPreview(earliest)).members, { timeout: 30_000 })
      .toBe(0);
    expect((await h.viewer.stages.list()).find((s) => s.stage === 'enrichment')).toMatchObject({
      kafka: { phase: 'empty', since: expect.any(String) },
      condition: { text: 'running, group empty (no member)', since: expect.any(String) },
    });
    expect(await h.admin.stages.reset({ ...earliest, confirm: group })).toEqual({
      group,
      reprocess: 10,
      skip: 0,
      partitions: 2,
    });
    const [row] = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'stage.reset'))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(row).toMatchObject({
      actor: 'admin@example.test',
      target: group,
      affected: 2,
      details: {
        target: { kind: 'earliest' },
        reprocess: 10,
        partitions: [
          { topic: raw, partition: 0, before: 5, after: 0 },
          { topic: raw, partition: 1, before: 5, after: 0 },
        ],
      },
    });
  }, 120_000);

  it('shows a group that is rebalancing beside its control state, dated from the look that saw it', async () => {
    await ensureTopics(kafka, [
      { topic: enriched, numPartitions: 2, replicationFactor: -1, configEntries: [] },
    ]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: enriched,
      messages: [0, 1].map((partition) => ({ key: `k${partition}`, value: 'v', partition })),
    });
    await producer.disconnect();
    await h.operator.stages.set({ stage: 'aggregation', state: 'paused', reason: 'rebalance' });
    const aggregation = async () =>
      (await h.viewer.stages.list()).find((s) => s.stage === 'aggregation');

    // Member one takes a record and hangs in its handler, so it does not answer the rebalance
    // that member two's join starts: the group waits in PreparingRebalance for it.
    let release = () => {};
    const hung = new Promise<void>((r) => {
      release = r;
    });
    const consumerOf = () =>
      kafka.consumer({ kafkaJS: { groupId: aggregationGroup, fromBeginning: true } });
    const one = consumerOf();
    const two = consumerOf();
    let taken = false;
    await one.connect();
    await one.subscribe({ topics: [enriched] });
    void one.run({
      eachMessage: async () => {
        taken = true;
        await hung;
      },
    });
    try {
      await expect.poll(() => taken, { timeout: 30_000 }).toBe(true);
      await expect
        .poll(async () => (await aggregation())?.kafka)
        .toMatchObject({ phase: 'stable' });
      await two.connect();
      await two.subscribe({ topics: [enriched] });
      void two.run({ eachMessage: async () => {} });
      await expect
        .poll(async () => (await aggregation())?.kafka, { timeout: 30_000 })
        .toMatchObject({ phase: 'rebalancing', kafkaState: 'PreparingRebalance' });
      const listed = await aggregation();
      expect(listed?.condition).toEqual({
        text: 'paused, rebalancing',
        since: listed?.kafka.ok ? listed.kafka.since : 'no',
      });
      expect(listed?.condition.since).not.toBeNull();
      expect(listed?.condition.since).not.toBe(listed?.at);
    } finally {
      release();
      await Promise.all([one.disconnect(), two.disconnect()]);
      await h.operator.stages.set({ stage: 'aggregation', state: 'running' });
    }
  }, 120_000);
});
