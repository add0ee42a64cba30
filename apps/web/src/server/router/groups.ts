// Consumer groups: live offsets and membership from Kafka, time lag, status and its reason from
// the lag monitor's samples (when it runs), the lag trend with its gaps kept as gaps, and the time
// to drain over the last polls.
import { DEFAULT_WINDOW_SIZE } from '@sluice/core';
import { lagSamples } from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { groupTimeToDrain } from '../group-drain.ts';
import { explainLatest, type SampleRow, sampleWindow } from '../lag-status.ts';
import { gapThreshold, type LagPoint, withGaps } from '../lag-trend.ts';
import { pipelineGroups } from '../pipeline.ts';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';

const groupId = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[\w.-]+$/);

const kafkaError = (err: unknown) =>
  new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: `Kafka admin request failed: ${err instanceof Error ? err.message : String(err)}`,
  });

export const groupsRouter = createTRPCRouter({
  list: viewerProcedure.query(async ({ ctx }) => {
    let live: { groupId: string; state: string }[];
    try {
      live = await ctx.kafka.listGroups();
    } catch (err) {
      throw kafkaError(err);
    }
    const states = new Map(live.map((g) => [g.groupId, g.state]));
    const pipeline = pipelineGroups(ctx.pipeline);
    const ids = [...new Set([...pipeline, ...states.keys()])].sort();
    return ids.map((id) => ({
      groupId: id,
      state: states.get(id) ?? 'Not found',
      pipeline: pipeline.includes(id),
    }));
  }),

  detail: viewerProcedure
    .input(
      z.object({
        groupId,
        trendMinutes: z
          .number()
          .int()
          .min(5)
          .max(24 * 60)
          .default(60),
      }),
    )
    .query(async ({ ctx, input }) => {
      const now = ctx.now();
      let described: Awaited<ReturnType<typeof ctx.kafka.describeGroup>>;
      let partitions: {
        topic: string;
        partition: number;
        committedOffset: number | null;
        endOffset: number;
        offsetLag: number | null;
      }[] = [];
      try {
        const [d, committed] = await Promise.all([
          ctx.kafka.describeGroup(input.groupId),
          ctx.kafka.committedOffsets(input.groupId),
        ]);
        described = d;
        for (const t of committed) {
          const ends = new Map(
            (await ctx.kafka.endOffsets(t.topic)).map((p) => [p.partition, p.offset]),
          );
          for (const p of t.partitions) {
            const end = ends.get(p.partition) ?? 0;
            const committedOffset = p.offset >= 0 ? p.offset : null;
            partitions.push({
              topic: t.topic,
              partition: p.partition,
              committedOffset,
              endOffset: end,
              offsetLag: committedOffset === null ? null : Math.max(0, end - committedOffset),
            });
          }
        }
      } catch (err) {
        throw kafkaError(err);
      }

      const since = new Date(now.getTime() - input.trendMinutes * 60_000);
      const [windows, trend] = await Promise.all([
        // Each partition's last polls: the latest gives its status, all of them its reason.
        ctx.db.execute<SampleRow & { time_lag_estimated: boolean }>(sql`
          SELECT group_id, topic, partition, sampled_at, committed_offset, end_offset, offset_lag,
                 time_lag_s, time_lag_estimated, status
          FROM (
            SELECT s.*, row_number() OVER (
                     PARTITION BY topic, partition ORDER BY sampled_at DESC) AS rn
            FROM ${lagSamples} s
            WHERE group_id = ${input.groupId}
          ) w
          WHERE rn <= ${DEFAULT_WINDOW_SIZE}
          ORDER BY topic, partition, sampled_at`),
        ctx.db.execute<{
          sampled_at: Date;
          offset_lag: string | null;
          time_lag_s: number | null;
        }>(sql`
          SELECT sampled_at,
                 CASE WHEN count(offset_lag) = count(*) THEN sum(offset_lag) END AS offset_lag,
                 max(time_lag_s) AS time_lag_s
          FROM ${lagSamples}
          WHERE group_id = ${input.groupId} AND sampled_at >= ${since.toISOString()}
          GROUP BY sampled_at
          ORDER BY sampled_at`),
      ]);

      const byPartition = new Map<string, (SampleRow & { time_lag_estimated: boolean })[]>();
      for (const r of windows.rows) {
        const key = `${r.topic}/${r.partition}`;
        byPartition.set(key, [...(byPartition.get(key) ?? []), r]);
      }
      partitions = partitions.sort(
        (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
      );
      const points: LagPoint[] = trend.rows.map((r) => ({
        t: new Date(r.sampled_at).getTime(),
        offsetLag: r.offset_lag === null ? null : Number(r.offset_lag),
        timeLagS: r.time_lag_s,
      }));

      return {
        groupId: input.groupId,
        state: described.state,
        members: described.members,
        partitions: partitions.map((p) => {
          const rows = byPartition.get(`${p.topic}/${p.partition}`) ?? [];
          const s = rows[rows.length - 1];
          const explained = explainLatest(rows, ctx.pipeline.lagThresholds);
          return {
            ...p,
            timeLagS: s?.time_lag_s ?? null,
            timeLagEstimated: s?.time_lag_estimated ?? false,
            status: s?.status ?? null,
            /** Why, for every status but OK (as `sluice lag` words it). */
            reason: explained.reason,
            sampledAt: s ? new Date(s.sampled_at).toISOString() : null,
          };
        }),
        totalOffsetLag: partitions.reduce((sum, p) => sum + (p.offsetLag ?? 0), 0),
        trend: withGaps(points, gapThreshold(points, 30_000)),
        // Over each partition's status window, as the monitor computes it; the slowest counts.
        drain: groupTimeToDrain(
          partitions.map((p) => sampleWindow(byPartition.get(`${p.topic}/${p.partition}`) ?? [])),
        ),
      };
    }),
});
