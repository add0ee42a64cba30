// Consumer groups: live offsets and membership from Kafka, time lag, status and its reason from
// the lag monitor's samples (when it runs), the lag trend with its gaps kept as gaps, and the time
// to drain over the last polls. A partition the group consumes (assigned to a member, or listed
// without an offset) but has committed nothing on is "no commit": its lag counts from the log
// start offset, which the console's Kafka reader does not read, so it is taken from the monitor's
// latest sample of the partition (the lag it stored from there); without one it is unknown.
import { DEFAULT_WINDOW_SIZE, offsetLag, samplePosition } from '@sluice/core';
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
      const live: {
        topic: string;
        partition: number;
        committedOffset: number | null;
        endOffset: number;
      }[] = [];
      try {
        const [d, committed] = await Promise.all([
          ctx.kafka.describeGroup(input.groupId),
          ctx.kafka.committedOffsets(input.groupId),
        ]);
        described = d;
        const consumed = new Map<string, { topic: string; partition: number; offset: number }>();
        for (const t of committed) {
          for (const p of t.partitions) {
            consumed.set(`${t.topic}/${p.partition}`, {
              topic: t.topic,
              partition: p.partition,
              offset: p.offset,
            });
          }
        }
        // Assigned but not listed: the broker lists committed offsets only.
        for (const m of d.members) {
          for (const a of m.assignment) {
            const key = `${a.topic}/${a.partition}`;
            if (!consumed.has(key)) consumed.set(key, { ...a, offset: -1 });
          }
        }
        const topics = [...new Set([...consumed.values()].map((c) => c.topic))];
        const ends = new Map<string, number>();
        for (const topic of topics) {
          for (const p of await ctx.kafka.endOffsets(topic)) {
            ends.set(`${topic}/${p.partition}`, p.offset);
          }
        }
        for (const [key, c] of consumed) {
          live.push({
            topic: c.topic,
            partition: c.partition,
            committedOffset: c.offset >= 0 ? c.offset : null,
            endOffset: ends.get(key) ?? 0,
          });
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
      const partitions = live
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
        .map((p) => {
          const rows = byPartition.get(`${p.topic}/${p.partition}`) ?? [];
          const s = rows[rows.length - 1];
          // The log start the monitor counted a no-commit lag from, if its latest sample did.
          const logStartOffset =
            s && s.committed_offset === null
              ? samplePosition({
                  committedOffset: null,
                  endOffset: Number(s.end_offset),
                  offsetLag: s.offset_lag === null ? null : Number(s.offset_lag),
                })
              : null;
          const lag = offsetLag({ ...p, logStartOffset });
          return {
            ...p,
            /** Nothing committed: the lag counts from the log start (null when not known). */
            noCommit: p.committedOffset === null,
            offsetLag: lag?.offsetLag ?? null,
            timeLagS: s?.time_lag_s ?? null,
            timeLagEstimated: s?.time_lag_estimated ?? false,
            status: s?.status ?? null,
            /** Why, for every status but OK (as `sluice lag` words it). */
            reason: explainLatest(rows, ctx.pipeline.lagThresholds).reason,
            sampledAt: s ? new Date(s.sampled_at).toISOString() : null,
          };
        });
      const points: LagPoint[] = trend.rows.map((r) => ({
        t: new Date(r.sampled_at).getTime(),
        offsetLag: r.offset_lag === null ? null : Number(r.offset_lag),
        timeLagS: r.time_lag_s,
      }));

      return {
        groupId: input.groupId,
        state: described.state,
        members: described.members,
        partitions,
        totalOffsetLag: partitions.reduce((sum, p) => sum + (p.offsetLag ?? 0), 0),
        trend: withGaps(points, gapThreshold(points, 30_000)),
        // Over each partition's status window, as the monitor computes it; the slowest counts.
        drain: groupTimeToDrain(
          partitions.map((p) => sampleWindow(byPartition.get(`${p.topic}/${p.partition}`) ?? [])),
        ),
      };
    }),
});
