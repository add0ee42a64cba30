// Stage states through the console: read from and written to a real control topic on the real
// broker; pause and resume for operators, stop for admins only; every change audited with the
// state before and after, every refusal audited by the guard.
import { auditLog } from '@sluice/db';
import {
  createKafka,
  createKafkaAdminReader,
  createStageControlClient,
  ensureTopics,
  type StageControlClient,
} from '@sluice/kafka';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import { TRPCError } from '@trpc/server';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const prefix = `${uniqueName('web-stages').replaceAll('_', '-')}.`;
const brokers = testEnv.kafkaBrokers.split(',');
const topic = `${prefix}sluice.control`;
const kafka = createKafka({ brokers, clientId: 'web-stages-test' });
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
    pipeline: { topicPrefix: prefix },
  });
}, 60_000);

afterAll(async () => {
  await controls.close();
  await h.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
}

describe('stages', () => {
  it('lists every stage as running until someone sets it', async () => {
    const list = await h.viewer.stages.list();
    expect(list.map((s) => [s.stage, s.group, s.state, s.by])).toEqual([
      ['enrichment', `${prefix}enrichment-workers`, 'running', null],
      ['aggregation', `${prefix}aggregation-workers`, 'running', null],
      ['storage', `${prefix}storage-writers`, 'running', null],
    ]);
    // No worker runs under this prefix: the groups have no members.
    expect(list.map((s) => s.members)).toEqual([
      { ok: true, count: 0 },
      { ok: true, count: 0 },
      { ok: true, count: 0 },
    ]);
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

  it('refuses an unknown stage or state and an over-long reason', async () => {
    const bad = [
      { stage: 'nope', state: 'paused' },
      { stage: 'storage', state: 'asleep' },
      { stage: 'storage', state: 'paused', reason: 'r'.repeat(501) },
    ] as never[];
    for (const input of bad) expect(await codeOf(h.operator.stages.set(input))).toBe('BAD_REQUEST');
  });
});
