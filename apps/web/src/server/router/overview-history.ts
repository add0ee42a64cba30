// The overview's history charts, from the lag monitor's samples in PostgreSQL: events per second
// into each pipeline topic (growth of its summed end offsets between polls) and offset lag per
// consumer group. Only the pipeline's own groups and topics: suites and tools leave others.
// On topics written in transactions the growth includes a commit marker per transaction, so these
// lines run a little above the records; the overview's "now" figures come from the stage counters.
import { lagSamples } from '@sluice/db';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { gapThreshold, withGaps } from '../lag-trend.ts';
import { pipelineGroups } from '../pipeline.ts';
import { pivot, ratesFromTotals } from '../stage-throughput.ts';
import { viewerProcedure } from '../trpc.ts';

const list = (values: readonly string[]): SQL =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

export const history = viewerProcedure
  .input(
    z
      .object({
        minutes: z
          .number()
          .int()
          .min(5)
          .max(24 * 60)
          .default(60),
      })
      .default({ minutes: 60 }),
  )
  .query(async ({ ctx, input }) => {
    const { topics } = ctx.pipeline.names;
    const groups = pipelineGroups(ctx.pipeline);
    const historyTopics = [topics.raw, topics.enriched, topics.aggregates, topics.dlq];
    const since = new Date(ctx.now().getTime() - input.minutes * 60_000).toISOString();
    const [totals, lag] = await Promise.all([
      // Every group reading a topic sees the same end offsets in one poll; keep the group that
      // covers the most partitions (a partition without a commit has no row).
      ctx.db.execute<{ sampled_at: Date; topic: string; total: string; partitions: number }>(sql`
        SELECT DISTINCT ON (sampled_at, topic) sampled_at, topic, total, partitions
        FROM (
          SELECT sampled_at, topic, group_id, sum(end_offset) AS total,
                 count(*)::int AS partitions
          FROM ${lagSamples}
          WHERE sampled_at >= ${since} AND group_id IN (${list(groups)})
            AND topic IN (${list(historyTopics)})
          GROUP BY sampled_at, topic, group_id
        ) g
        ORDER BY sampled_at, topic, partitions DESC`),
      ctx.db.execute<{ sampled_at: Date; group_id: string; offset_lag: string | null }>(sql`
        SELECT sampled_at, group_id,
               CASE WHEN count(offset_lag) = count(*) THEN sum(offset_lag) END AS offset_lag
        FROM ${lagSamples}
        WHERE sampled_at >= ${since} AND group_id IN (${list(groups)})
        GROUP BY sampled_at, group_id
        ORDER BY sampled_at`),
    ]);

    const byTopic = new Map<string, { t: number; total: number; partitions: number }[]>();
    for (const r of totals.rows) {
      const points = byTopic.get(r.topic) ?? [];
      points.push({
        t: new Date(r.sampled_at).getTime(),
        total: Number(r.total),
        partitions: r.partitions,
      });
      byTopic.set(r.topic, points);
    }
    const rates: Record<string, { t: number; value: number | null }[]> = {};
    for (const [topic, points] of byTopic) {
      rates[topic] = ratesFromTotals(points, gapThreshold(points, 30_000)).map((p) => ({
        t: p.t,
        value: p.perSecond,
      }));
    }

    const byGroup = new Map<string, { t: number; offsetLag: number | null; timeLagS: null }[]>();
    for (const r of lag.rows) {
      const points = byGroup.get(r.group_id) ?? [];
      points.push({
        t: new Date(r.sampled_at).getTime(),
        offsetLag: r.offset_lag === null ? null : Number(r.offset_lag),
        timeLagS: null,
      });
      byGroup.set(r.group_id, points);
    }
    const lagSeries: Record<string, { t: number; value: number | null }[]> = {};
    for (const [group, points] of byGroup) {
      lagSeries[group] = withGaps(points, gapThreshold(points, 30_000)).map((p) => ({
        t: p.t,
        value: p.offsetLag,
      }));
    }

    return {
      minutes: input.minutes,
      // Topics the monitor sampled; events.dlq only appears when some group consumes it.
      throughput: {
        series: historyTopics.filter((t) => byTopic.has(t)),
        unsampled: historyTopics.filter((t) => !byTopic.has(t)),
        rows: pivot(rates),
      },
      lag: { series: [...byGroup.keys()].sort(), rows: pivot(lagSeries) },
    };
  });
