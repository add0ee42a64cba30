// Stage states from the control channel: each stage's state (running, paused, stopped), who set
// it, when and why, and its group's members; operators pause and resume a stage, admins stop it
// (members leave the group, so its offsets may be reset). Every change is audited with the state
// before and after; refusals are audited by the role guard.
import { hasRole } from '@sluice/auth';
import {
  DEFAULT_STAGE_CONTROL,
  STAGE_STATES,
  type StageControl,
  type StageName,
} from '@sluice/core';
import { auditLog } from '@sluice/db';
import type { StageControlClient } from '@sluice/kafka';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, operatorProcedure, viewerProcedure } from '../trpc.ts';
import { unavailable } from '../unavailable.ts';

const STAGE_NAMES = [
  'enrichment',
  'aggregation',
  'storage',
] as const satisfies readonly StageName[];

type ControlledStage = (typeof STAGE_NAMES)[number];
const isControlled = <T extends { stage: string }>(s: T): s is T & { stage: ControlledStage } =>
  (STAGE_NAMES as readonly string[]).includes(s.stage);

function channel(controls: StageControlClient | null): StageControlClient {
  if (!controls)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'the control channel is not configured on this console',
    });
  return controls;
}

export const stagesRouter = createTRPCRouter({
  list: viewerProcedure.query(async ({ ctx }) => {
    const controls = await channel(ctx.controls)
      .list()
      .catch((err: unknown) => {
        throw unavailable('Kafka (control channel)', err);
      });
    return Promise.all(
      ctx.pipeline.names.stages.filter(isControlled).map(async (s) => {
        const control = controls.get(s.group) ?? null;
        const members = await ctx.kafka.describeGroup(s.group).then(
          (g) => ({ ok: true as const, count: g.members.length }),
          (err: unknown) => ({
            ok: false as const,
            error: err instanceof Error ? err.message : String(err),
          }),
        );
        return {
          stage: s.stage,
          label: s.label,
          group: s.group,
          state: control?.state ?? 'running',
          by: control?.by ?? null,
          at: control?.at ?? null,
          reason: control?.reason ?? null,
          members,
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
});
