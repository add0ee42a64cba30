// Stage states from the control channel: each stage's state (running, paused, stopped), who set
// it, when and why, and its group's members and Kafka state (rebalancing, empty, dead: since when
// this console saw it so); operators pause and resume a stage, admins stop it (members leave the
// group, so its offsets may be reset). The DLQ indexer is controlled like the stages. Every change
// is audited with the state before and after; refusals are audited by the role guard.
import { hasRole } from '@sluice/auth';
import {
  CONTROLLED_STAGE_NAMES,
  controlledStages,
  DEFAULT_STAGE_CONTROL,
  groupPhaseOf,
  observePhase,
  type PhaseSeen,
  type ResetTarget,
  resetTargetOf,
  STAGE_STATES,
  type StageControl,
  stageCondition,
} from '@sluice/core';
import { auditLog } from '@sluice/db';
import { GroupNotEmptyError, type OffsetResetClient, type StageControlClient } from '@sluice/kafka';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  adminProcedure,
  type Context,
  createTRPCRouter,
  operatorProcedure,
  viewerProcedure,
} from '../trpc.ts';
import { unavailable } from '../unavailable.ts';

const STAGE_NAMES = CONTROLLED_STAGE_NAMES;

/**
 * The group phase each group was last seen in, and since when, in this server process: Kafka
 * does not date a group's state, so the console dates the changes it sees between two looks.
 */
const phases = new Map<string, PhaseSeen>();

function channel(controls: StageControlClient | null): StageControlClient {
  if (!controls)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'the control channel is not configured on this console',
    });
  return controls;
}

const resetInput = z.object({
  stage: z.enum(STAGE_NAMES),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('earliest') }),
    z.object({ kind: z.literal('latest') }),
    z.object({ kind: z.literal('timestamp'), at: z.iso.datetime({ offset: true }) }),
    z.object({ kind: z.literal('offsets'), spec: z.string().trim().min(1).max(4000) }),
  ]),
});

/** The stage's group, inputs and the target as core plans it; a bad offset list is BAD_REQUEST. */
function resetRequest(ctx: Context, input: z.infer<typeof resetInput>) {
  const stage = controlledStages(ctx.pipeline.names).find((s) => s.stage === input.stage);
  if (!stage) throw new TRPCError({ code: 'BAD_REQUEST', message: `unknown stage ${input.stage}` });
  let target: ResetTarget;
  try {
    target = resetTargetOf(input.target, stage.inputs);
  } catch (err) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: (err as Error).message });
  }
  return { group: stage.group, topics: stage.inputs, target };
}

function resets(offsets: OffsetResetClient | null): OffsetResetClient {
  if (!offsets)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'offset resets are not configured on this console',
    });
  return offsets;
}

async function planFor(ctx: Context, input: z.infer<typeof resetInput>) {
  const { group, topics, target } = resetRequest(ctx, input);
  const plan = await resets(ctx.offsets)
    .plan(group, topics, target)
    .catch((err: unknown) => {
      throw unavailable('Kafka', err);
    });
  return { group, plan };
}

export const stagesRouter = createTRPCRouter({
  list: viewerProcedure.query(async ({ ctx }) => {
    const controls = await channel(ctx.controls)
      .list()
      .catch((err: unknown) => {
        throw unavailable('Kafka (control channel)', err);
      });
    const now = ctx.now().toISOString();
    return Promise.all(
      controlledStages(ctx.pipeline.names).map(async (s) => {
        const control = controls.get(s.group) ?? null;
        const state = control?.state ?? 'running';
        const described = await ctx.kafka.describeGroup(s.group).then(
          (g) => ({ ok: true as const, g }),
          (err: unknown) => ({
            ok: false as const,
            error: err instanceof Error ? err.message : String(err),
          }),
        );
        let group:
          | { ok: true; kafkaState: string; phase: PhaseSeen['phase']; since: string | null }
          | { ok: false; error: string };
        if (described.ok) {
          const seen = observePhase(phases.get(s.group), groupPhaseOf(described.g.state), now);
          phases.set(s.group, seen);
          group = { ok: true, kafkaState: described.g.state, ...seen };
        } else group = { ok: false, error: described.error };
        return {
          stage: s.stage,
          label: s.label,
          group: s.group,
          state,
          by: control?.by ?? null,
          at: control?.at ?? null,
          reason: control?.reason ?? null,
          members: described.ok
            ? { ok: true as const, count: described.g.members.length }
            : { ok: false as const, error: described.error },
          kafka: group,
          /** The control state with what the group is doing, and since when, where known. */
          condition: stageCondition(
            { state, at: control?.at ?? null },
            group.ok ? { phase: group.phase, since: group.since } : null,
          ),
        };
      }),
    );
  }),

  set: operatorProcedure
    .input(
      z.object({
        stage: z.enum(STAGE_NAMES),
        state: z.enum(STAGE_STATES),
        reason: z.string().trim().max(500).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      // Stopping empties the group, the step before an offset reset: the admin's call.
      if (input.state === 'stopped' && !hasRole(ctx.user.role, 'admin'))
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: 'stopping a stage requires the admin role',
        });
      const controls = channel(ctx.controls);
      const group = ctx.pipeline.names.groups[input.stage];
      const before = await controls.list().then(
        (all) => all.get(group) ?? DEFAULT_STAGE_CONTROL,
        (err: unknown) => {
          throw unavailable('Kafka (control channel)', err);
        },
      );
      const after: StageControl = {
        state: input.state,
        by: ctx.user.email,
        at: ctx.now().toISOString(),
        ...(input.reason ? { reason: input.reason } : {}),
      };
      await controls.set(group, after).catch((err: unknown) => {
        throw unavailable('Kafka (control channel)', err);
      });
      await ctx.db.insert(auditLog).values({
        actor: ctx.user.email,
        action: `stage.${input.state === 'running' ? 'resume' : input.state === 'paused' ? 'pause' : 'stop'}`,
        target: group,
        affected: 1,
        sourceIp: ctx.sourceIp,
        details: { before: before.state, after: after.state, reason: input.reason ?? null },
      });
      return { group, ...after };
    }),

  /** What a reset would do, per partition; read-only, for admins (who alone may apply it). */
  resetPreview: adminProcedure.input(resetInput).query(async ({ ctx, input }) => {
    const { group, plan } = await planFor(ctx, input);
    return { group, ...plan };
  }),

  /**
   * Applies a reset to a stopped stage's group: the group name typed out, and no member in it
   * (Kafka would refuse; the message says to stop the stage). Audited with every partition's
   * offset before and after.
   */
  reset: adminProcedure
    .input(resetInput.extend({ confirm: z.string().max(300) }))
    .mutation(async ({ ctx, input }) => {
      const { group, plan } = await planFor(ctx, input);
      if (input.confirm !== group)
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `type the group name, ${group}, to confirm the reset`,
        });
      if (plan.errors.length > 0)
        throw new TRPCError({ code: 'BAD_REQUEST', message: plan.errors.join('; ') });
      const refuseNotEmpty = (members: number) =>
        new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: `${group} has ${members} member${members === 1 ? '' : 's'}: Kafka does not change the offsets of a group that has members. Stop the stage first.`,
        });
      if (plan.members > 0) throw refuseNotEmpty(plan.members);
      await resets(ctx.offsets)
        .apply(group, plan.rows)
        .catch((err: unknown) => {
          if (err instanceof GroupNotEmptyError) throw refuseNotEmpty(err.members);
          throw unavailable('Kafka', err);
        });
      await ctx.db.insert(auditLog).values({
        actor: ctx.user.email,
        action: 'stage.reset',
        target: group,
        affected: plan.rows.length,
        sourceIp: ctx.sourceIp,
        details: {
          target: input.target,
          reprocess: plan.reprocess,
          skip: plan.skip,
          partitions: plan.rows.map((r) => ({
            topic: r.topic,
            partition: r.partition,
            before: r.current,
            after: r.next,
          })),
        },
      });
      return { group, reprocess: plan.reprocess, skip: plan.skip, partitions: plan.rows.length };
    }),
});
