// Replay and discard from the console: operators plan a replay (a dry run shows exactly what
// would be sent and what is skipped and why) or record one for the dlq-indexer worker to send,
// and discard entries with a reason; viewers read the jobs, each with its state (a job whose
// runner died is shown stopped). A stopped job is resumed by handing it back to the workers,
// whose runner resumes it exactly as `sluice dlq resume` does (core's runReplayJob: rows left
// `sending` are looked for on their topics first, so nothing is sent twice). Planning is core's
// (planAndRecordReplay, the same code as `sluice dlq replay`), the SQL the db package's. The
// console sends nothing to Kafka itself: a recorded job survives a console restart and is sent
// once by the worker that holds its lock. Every action is audited with its parameters and
// outcome; a refusal (by role, or of the input) is audited by the procedure guard (trpc.ts).
import {
  createEventParser,
  dlqFilterSchema,
  planAndRecordReplay,
  REPLAY_STAGES,
  type ReplayEdit,
  ReplayInputError,
  type ReplayPlanItem,
  type ReplayTarget,
  replayJobView,
  resumeRefusal,
  validateEditedEvent,
} from '@sluice/core';
import {
  auditLog,
  createReplayJob,
  discardDlqEntries,
  getReplayJob,
  listReplayJobs,
  loadReplayCandidates,
  type ReplayJobSummary,
  replayJobsHeld,
  requestReplayResume,
} from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { operatorProcedure, viewerProcedure } from '../trpc.ts';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Plan items shown per answer; the job keeps them all. */
const MAX_PLAN_SHOWN = 500;
/** An edited event: JSON, bounded as enrichment bounds an event (1 MiB). */
const jsonValue = z.unknown().refine((v) => {
  const text = JSON.stringify(v);
  return text !== undefined && text.length <= 1024 * 1024;
}, 'a JSON value of at most 1 MiB');

const replayInput = z
  .object({
    ids: z.array(id).min(1).max(1000).optional(),
    filter: dlqFilterSchema.optional(),
    /** `source`: each entry's own topic; a stage: its input topic. */
    target: z.enum(['source', ...REPLAY_STAGES]).default('source'),
    edit: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('replace'), value: jsonValue }),
        z.object({ kind: z.literal('merge-patch'), value: z.record(z.string(), z.unknown()) }),
      ])
      .optional(),
    /** Records per second. */
    rateLimit: z.number().positive().max(100_000).optional(),
    dryRun: z.boolean(),
  })
  .refine((i) => (i.ids === undefined) !== (i.filter === undefined), {
    message: 'entry ids or a filter, one of the two',
  });

const text = (b: Uint8Array | null, max = 64 * 1024) =>
  b === null ? null : Buffer.from(b).toString('utf8').slice(0, max);

function itemView(p: ReplayPlanItem) {
  return p.action === 'send'
    ? {
        entryId: p.entryId,
        action: 'send' as const,
        eventId: p.eventId,
        topic: p.topic,
        edited: p.edited,
        payload: text(p.payload),
      }
    : {
        entryId: p.entryId,
        action: 'skip' as const,
        eventId: p.eventId,
        reason: p.reason,
        detail: p.detail,
        byJobId: p.byJobId ?? null,
      };
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const jobView = (j: ReplayJobSummary, held: ReadonlySet<number>) => ({
  ...j,
  createdAt: j.createdAt.toISOString(),
  startedAt: iso(j.startedAt),
  finishedAt: iso(j.finishedAt),
  ...replayJobView({ ...j, held: held.has(j.id) }),
});

export const dlqReplayProcedures = {
  /** Checks an edited event against the event schema; the error names the field. */
  validateEvent: operatorProcedure.input(z.object({ event: jsonValue })).query(({ input }) => {
    const v = validateEditedEvent(input.event, createEventParser());
    return v.ok
      ? { ok: true as const, eventId: v.eventId }
      : { ok: false as const, field: v.field ?? null, reason: v.reason, message: v.message };
  }),

  replay: operatorProcedure.input(replayInput).mutation(async ({ ctx, input }) => {
    const target: ReplayTarget =
      input.target === 'source' ? { kind: 'source' } : { kind: 'stage', stage: input.target };
    const topics = ctx.pipeline.names.topics;
    const selection = input.ids ? { ids: input.ids } : { filter: input.filter ?? {} };
    const audited = {
      selection,
      target: input.target,
      edit: input.edit?.kind ?? null,
      rateLimit: input.rateLimit ?? null,
    };
    const action = input.dryRun ? 'dlq.replay.dry-run' : 'dlq.replay';
    try {
      const planned = await planAndRecordReplay(
        {
          loadCandidates: (s, n) => loadReplayCandidates(ctx.db, s, n),
          createJob: (j, p) => createReplayJob(ctx.db, j, p),
        },
        {
          selection,
          target,
          edit: input.edit as ReplayEdit | undefined,
          rateLimit: input.rateLimit,
          dryRun: input.dryRun,
          actor: ctx.user.email,
          stageTopics: { enrichment: topics.raw, storage: topics.enriched },
        },
      );
      await ctx.db.insert(auditLog).values({
        actor: ctx.user.email,
        action,
        target: `job:${planned.jobId}`,
        affected: input.dryRun ? 0 : planned.pending,
        sourceIp: ctx.sourceIp,
        details: {
          ...audited,
          outcome: 'recorded',
          pending: planned.pending,
          skipped: planned.skipped,
        },
      });
      return {
        jobId: planned.jobId,
        dryRun: input.dryRun,
        pending: planned.pending,
        skipped: planned.skipped,
        plan: planned.plan.slice(0, MAX_PLAN_SHOWN).map(itemView),
        planTotal: planned.plan.length,
      };
    } catch (err) {
      // The procedure guard audits the refusal (code and message), as for any refused input.
      if (err instanceof ReplayInputError)
        throw new TRPCError({ code: 'BAD_REQUEST', message: err.message });
      throw err;
    }
  }),

  discard: operatorProcedure
    .input(
      z.object({ ids: z.array(id).min(1).max(1000), reason: z.string().trim().min(1).max(1000) }),
    )
    .mutation(async ({ ctx, input }) => {
      const r = await discardDlqEntries(ctx.db, input.ids, ctx.user.email, input.reason);
      await ctx.db.insert(auditLog).values({
        actor: ctx.user.email,
        action: 'dlq.discard',
        target: `entries:${input.ids.slice(0, 20).join(',')}${input.ids.length > 20 ? ',…' : ''}`,
        affected: r.discarded.length,
        sourceIp: ctx.sourceIp,
        details: { ids: input.ids, reason: input.reason, ...r },
      });
      return r;
    }),

  /**
   * Resumes a job that stopped mid-run: hands it back to the workers (planned again), which
   * resume it as `sluice dlq resume` does. Refused while a runner holds it, and for a job that
   * did not stop (waiting, done, a dry run).
   */
  resume: operatorProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    const j = await getReplayJob(ctx.db, input.id, 0);
    if (!j) throw new TRPCError({ code: 'BAD_REQUEST', message: `no replay job ${input.id}` });
    const held = (await replayJobsHeld(ctx.db, [input.id])).has(input.id);
    const refusal = resumeRefusal({ ...j.job, held });
    if (refusal) throw new TRPCError({ code: 'CONFLICT', message: `job ${input.id}: ${refusal}` });
    // Changed only while holding the job's lock and only from running or failed: a runner that
    // started since the read above makes this refuse instead.
    if (!(await requestReplayResume(ctx.db, input.id, ctx.user.email)))
      throw new TRPCError({
        code: 'CONFLICT',
        message: `job ${input.id}: a runner took it in the meantime`,
      });
    const left = (j.job.counts.pending ?? 0) + (j.job.counts.sending ?? 0);
    await ctx.db.insert(auditLog).values({
      actor: ctx.user.email,
      action: 'dlq.replay.resume',
      target: `job:${input.id}`,
      affected: left,
      sourceIp: ctx.sourceIp,
      details: {
        statusBefore: j.job.status,
        statusReason: j.job.statusReason,
        counts: j.job.counts,
        outcome: 'handed to the workers',
      },
    });
    return { jobId: input.id, state: 'waiting' as const, left };
  }),

  jobs: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => {
      const jobs = await listReplayJobs(ctx.db, input.limit);
      const held = await replayJobsHeld(
        ctx.db,
        jobs.map((j) => j.id),
      );
      return jobs.map((j) => jobView(j, held));
    }),

  job: viewerProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const j = await getReplayJob(ctx.db, input.id);
    if (!j) return null;
    return {
      job: jobView(j.job, await replayJobsHeld(ctx.db, [j.job.id])),
      rows: j.rows.map((r) => ({
        ...r,
        key: text(r.key, 1024),
        payload: text(r.payload),
        claimedAt: iso(r.claimedAt),
        sentAt: iso(r.sentAt),
        outcomeAt: iso(r.outcomeAt),
      })),
    };
  }),
};
