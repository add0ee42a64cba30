// Replay and discard through the console's procedures against the real PostgreSQL, over entries
// written as the indexer writes them: a dry run shows what would be sent and what is skipped and
// why; an invalid edit is named by its field; a recorded job is planned for the worker with one
// row per entry; an overlapping job skips what the first holds; discard records its reason;
// every action is audited with its parameters and outcome, and a viewer is refused. A dead
// letter whose value was cut to the record's size bound is skipped, saying so, unless replaced.
// A job whose runner died mid-run is shown stopped and an operator hands it back to the workers
// (refused while a runner holds it); its rows, and so what a resume looks for, stay as they were.
import {
  auditLog,
  claimReplayRows,
  type DlqEntryRow,
  dlqEntries,
  dlqReplayJobEntries,
  dlqReplayJobs,
  lockReplayJob,
  setReplayJobStatus,
  writeDlqEntries,
} from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { desc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const event = (i: number) => ({
  event_id: `evt-${i}`,
  type: 'pageview',
  timestamp: new Date(T0).toISOString(),
  session_id: `s-${i}`,
});

function row(i: number): DlqEntryRow {
  const value = Buffer.from(JSON.stringify(event(i)));
  return {
    topic: 'events.dlq',
    partition: 0,
    offset: BigInt(i),
    envelopeValid: true,
    stage: 'enrichment',
    errorClass: 'InvalidEvent',
    errorMessage: 'user_id is required',
    errorReason: 'missing_field',
    errorPath: 'user_id',
    retryable: false,
    attempts: 1,
    sourceTopic: 'events.raw',
    sourcePartition: 0,
    sourceOffset: BigInt(100 + i),
    failedAt: new Date(T0 + i * 1000),
    signature: 'c'.repeat(32),
    signatureText: 'enrichment InvalidEvent user_id is required',
    eventId: `evt-${i}`,
    eventType: 'pageview',
    headers: {},
    originalKey: Buffer.from(`s-${i}`),
    originalValue: value,
    payloadText: value.toString(),
  };
}

/** Entry 4: its value was cut to the record's size bound, as the envelope cuts it. */
function truncatedRow(): DlqEntryRow {
  const whole = Buffer.from(JSON.stringify({ ...event(4), user_id: 'u', blob: 'x'.repeat(5000) }));
  const kept = whole.subarray(0, 1000);
  return {
    ...row(4),
    errorClass: 'SinkError',
    errorMessage: 'document too large',
    errorReason: null,
    errorPath: null,
    signature: 'e'.repeat(32),
    signatureText: 'storage SinkError document too large',
    headers: { 'sluice.value.truncated': String(whole.byteLength) },
    originalValue: kept,
    payloadText: kept.toString(),
  };
}

let h: RouterHarness;
let ids: number[] = [];
beforeAll(async () => {
  h = await createRouterHarness();
  await writeDlqEntries(h.db, [...Array.from({ length: 4 }, (_, i) => row(i)), truncatedRow()]);
  ids = (await h.db.select({ id: dlqEntries.id }).from(dlqEntries).orderBy(dlqEntries.id)).map(
    (r) => r.id,
  );
});
afterAll(() => h.close());

const lastAudit = async () =>
  (await h.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1))[0];

describe('dlq replay procedures', () => {
  it('validates an edited event, naming the field', async () => {
    expect(
      await h.operator.dlq.validateEvent({ event: { ...event(0), user_id: 'u' } }),
    ).toMatchObject({ ok: true, eventId: 'evt-0' });
    expect(await h.operator.dlq.validateEvent({ event: event(0) })).toMatchObject({
      ok: false,
      field: 'user_id',
    });
  });

  it('dry-runs a fix: what would be sent, and the entry an invalid edit leaves out', async () => {
    const r = await h.operator.dlq.replay({
      ids: [ids[0] as number],
      edit: { kind: 'replace', value: { ...event(0), user_id: 'fixed', session_id: 7 } },
      dryRun: true,
    });
    expect(r.plan).toEqual([
      expect.objectContaining({ action: 'skip', reason: 'payload-invalid' }),
    ]);
    expect((r.plan[0] as { detail: string }).detail).toMatch(/^session_id: /);

    const dry = await h.operator.dlq.replay({
      ids: ids.slice(0, 2),
      edit: { kind: 'merge-patch', value: { user_id: 'fixed' } },
      dryRun: true,
    });
    expect(dry.plan.map((p) => p.action)).toEqual(['send', 'send']);
    const first = dry.plan[0] as { payload: string; topic: string };
    expect(JSON.parse(first.payload).user_id).toBe('fixed');
    expect(first.topic).toBe(h.pipeline.names.topics.raw);
    expect(await lastAudit()).toMatchObject({
      actor: 'operator@example.test',
      action: 'dlq.replay.dry-run',
      target: `job:${dry.jobId}`,
      affected: 0,
      details: { outcome: 'recorded', pending: 2, skipped: 0, edit: 'merge-patch' },
    });
    const job = await h.viewer.dlq.job({ id: dry.jobId });
    expect(job?.job).toMatchObject({
      status: 'dry-run',
      dryRun: true,
      counts: { 'would-send': 2 },
    });
  });

  it('records a job for the worker, and an overlapping job skips what the first holds', async () => {
    const r = await h.operator.dlq.replay({
      ids: ids.slice(0, 2),
      edit: { kind: 'merge-patch', value: { user_id: 'fixed' } },
      rateLimit: 10,
      dryRun: false,
    });
    expect(r).toMatchObject({ pending: 2, skipped: 0 });
    expect(await lastAudit()).toMatchObject({ action: 'dlq.replay', affected: 2 });
    const overlap = await h.operator.dlq.replay({ ids: ids.slice(1, 3), dryRun: false });
    expect(overlap.plan).toEqual([
      expect.objectContaining({ action: 'skip', reason: 'in-another-job', byJobId: r.jobId }),
      expect.objectContaining({ action: 'send' }),
    ]);
    const jobs = await h.viewer.dlq.jobs({});
    expect(jobs.map((j) => [j.id, j.status, j.counts])).toEqual(
      expect.arrayContaining([
        [r.jobId, 'planned', { pending: 2 }],
        [overlap.jobId, 'planned', { pending: 1, skipped: 1 }],
      ]),
    );
  });

  it('skips a dead letter whose value was cut, in the dry run and in the job, unless replaced', async () => {
    const cut = ids[4] as number;
    const dry = await h.operator.dlq.replay({ ids: [cut], dryRun: true });
    expect(dry.plan).toEqual([
      expect.objectContaining({ action: 'skip', reason: 'payload-truncated', entryId: cut }),
    ]);
    expect((dry.plan[0] as { detail: string }).detail).toMatch(
      /^the stored payload was cut to 1000 of its \d+ bytes to fit the dead-letter record; replay it with an edited payload$/,
    );

    const job = await h.operator.dlq.replay({ ids: [cut], dryRun: false });
    expect(job).toMatchObject({ pending: 0, skipped: 1 });
    const rows = (await h.viewer.dlq.job({ id: job.jobId }))?.rows;
    expect(rows).toEqual([
      expect.objectContaining({
        entryId: cut,
        state: 'skipped',
        skipReason: 'payload-truncated',
        skipDetail: (dry.plan[0] as { detail: string }).detail,
      }),
    ]);

    const fixed = { ...event(4), user_id: 'u' };
    const replaced = await h.operator.dlq.replay({
      ids: [cut],
      edit: { kind: 'replace', value: fixed },
      dryRun: true,
    });
    expect(replaced.plan).toEqual([
      expect.objectContaining({ action: 'send', edited: true, eventId: 'evt-4' }),
    ]);
    expect(JSON.parse((replaced.plan[0] as { payload: string }).payload)).toEqual(fixed);
    const invalid = await h.operator.dlq.replay({
      ids: [cut],
      edit: { kind: 'replace', value: event(4) },
      dryRun: true,
    });
    expect(invalid.plan).toEqual([
      expect.objectContaining({ action: 'skip', reason: 'payload-invalid' }),
    ]);
  });

  it('refuses what names no entry, saying which', async () => {
    await expect(h.operator.dlq.replay({ ids: [999_999], dryRun: true })).rejects.toThrow(
      /no DLQ entry #999999/,
    );
  });

  it('discards with a reason, refusing entries a replay holds', async () => {
    const r = await h.operator.dlq.discard({
      ids: [ids[0] as number, ids[3] as number],
      reason: 'test data',
    });
    expect(r.discarded).toEqual([ids[3]]);
    expect(r.refused).toEqual([
      { id: ids[0], reason: expect.stringMatching(/^replayed by job \d+ \(pending\)$/) },
    ]);
    const statuses = await h.db
      .select({ id: dlqEntries.id, status: dlqEntries.status })
      .from(dlqEntries)
      .where(inArray(dlqEntries.id, [ids[0] as number, ids[3] as number]));
    expect(new Map(statuses.map((s) => [s.id, s.status]))).toEqual(
      new Map([
        [ids[0], 'new'],
        [ids[3], 'discarded'],
      ]),
    );
    expect(await lastAudit()).toMatchObject({
      action: 'dlq.discard',
      affected: 1,
      details: { reason: 'test data', discarded: [ids[3]] },
    });
    const entry = await h.viewer.dlq.entry({ id: ids[3] as number });
    expect(entry?.actions).toEqual([
      expect.objectContaining({
        action: 'discarded',
        reason: 'test data',
        actor: 'operator@example.test',
      }),
    ]);
  });

  it('refuses a viewer replay and discard', async () => {
    for (const call of [
      () => h.viewer.dlq.replay({ ids: [ids[2] as number], dryRun: false }),
      () => h.viewer.dlq.discard({ ids: [ids[2] as number], reason: 'no' }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe('FORBIDDEN');
    }
  });
});

describe('resuming a job that stopped mid-run', () => {
  const codeOf = (err: unknown) => (err instanceof TRPCError ? err.code : String(err));
  let jobId: number;
  let entryIds: number[];

  beforeAll(async () => {
    await writeDlqEntries(
      h.db,
      [10, 11, 12].map((i) => ({ ...row(i), offset: BigInt(i) })),
    );
    entryIds = (
      await h.db
        .select({ id: dlqEntries.id })
        .from(dlqEntries)
        .where(inArray(dlqEntries.eventId, ['evt-10', 'evt-11', 'evt-12']))
        .orderBy(dlqEntries.id)
    ).map((r) => r.id);
    const r = await h.operator.dlq.replay({
      ids: entryIds,
      edit: { kind: 'merge-patch', value: { user_id: 'fixed' } },
      dryRun: false,
    });
    jobId = r.jobId;
    // A runner that died after claiming two rows, perhaps after sending them: what a SIGKILL
    // between the send and its record leaves.
    await setReplayJobStatus(h.db, jobId, 'running');
    expect(await claimReplayRows(h.db, jobId, 2)).toHaveLength(2);
  });

  const rowStates = async () =>
    (
      await h.db
        .select({ state: dlqReplayJobEntries.state })
        .from(dlqReplayJobEntries)
        .where(eq(dlqReplayJobEntries.jobId, jobId))
        .orderBy(dlqReplayJobEntries.seq)
    ).map((x) => x.state);

  it('shows the job stopped, with the rows a resume must look for', async () => {
    const job = (await h.viewer.dlq.jobs({})).find((j) => j.id === jobId);
    expect(job).toMatchObject({ status: 'running', state: 'stopped', resumable: true });
    expect(job?.summary).toBe(
      'stopped: its runner is gone (a crash or a restart); 3 left to send, of which 2 may be out already (a resume looks for them first)',
    );
  });

  it('refuses while a runner holds the job, and shows it running', async () => {
    const release = await lockReplayJob(h.db, jobId);
    expect(release).toBeDefined();
    try {
      expect((await h.viewer.dlq.job({ id: jobId }))?.job).toMatchObject({
        state: 'running',
        resumable: false,
      });
      const err = await h.operator.dlq.resume({ id: jobId }).catch((e: unknown) => e);
      expect(codeOf(err)).toBe('CONFLICT');
      expect((err as Error).message).toMatch(/a runner holds it/);
    } finally {
      await release?.();
    }
    expect(await rowStates()).toEqual(['sending', 'sending', 'pending']);
  });

  it('refuses a viewer', async () => {
    expect(codeOf(await h.viewer.dlq.resume({ id: jobId }).catch((e: unknown) => e))).toBe(
      'FORBIDDEN',
    );
  });

  it('hands the job back to the workers, rows untouched, audited', async () => {
    expect(await h.operator.dlq.resume({ id: jobId })).toEqual({
      jobId,
      state: 'waiting',
      left: 3,
    });
    const [job] = await h.db.select().from(dlqReplayJobs).where(eq(dlqReplayJobs.id, jobId));
    expect(job).toMatchObject({
      status: 'planned',
      statusReason: 'resume requested by operator@example.test',
    });
    // The claimed rows stay `sending`: the worker's runner looks for them on their topics.
    expect(await rowStates()).toEqual(['sending', 'sending', 'pending']);
    expect(await lastAudit()).toMatchObject({
      actor: 'operator@example.test',
      action: 'dlq.replay.resume',
      target: `job:${jobId}`,
      affected: 3,
      details: { statusBefore: 'running', outcome: 'handed to the workers' },
    });
    expect((await h.viewer.dlq.job({ id: jobId }))?.job).toMatchObject({
      state: 'waiting',
      resumable: false,
    });
  });

  it('refuses a job that did not stop: waiting, done, a dry run, or none', async () => {
    const again = await h.operator.dlq.resume({ id: jobId }).catch((e: unknown) => e);
    expect(codeOf(again)).toBe('CONFLICT');
    expect((again as Error).message).toMatch(/waiting for a worker already/);
    const dry = await h.operator.dlq.replay({ ids: [entryIds[0] as number], dryRun: true });
    expect(codeOf(await h.operator.dlq.resume({ id: dry.jobId }).catch((e: unknown) => e))).toBe(
      'CONFLICT',
    );
    await setReplayJobStatus(h.db, jobId, 'done');
    expect(codeOf(await h.operator.dlq.resume({ id: jobId }).catch((e: unknown) => e))).toBe(
      'CONFLICT',
    );
    expect(codeOf(await h.operator.dlq.resume({ id: 999_999 }).catch((e: unknown) => e))).toBe(
      'BAD_REQUEST',
    );
  });
});
