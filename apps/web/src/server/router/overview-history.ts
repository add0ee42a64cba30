// The overview's history charts: records per second per stage from the stages' own counters in
// Redis (kept an hour), and offset lag per consumer group from the lag monitor's samples in
// PostgreSQL. Ingest is the growth of events.raw's summed end offsets between the monitor's polls:
// producers outside Sluice write it, so no stage counts it. The stages' topics are not charted by
// their end offsets: they are written in transactions, and every commit marker takes an offset
// (at 200 events/s and ten commits a second that reads a third above the records).
// Only the pipeline's own groups and topics: suites and tools leave others.
import { stageCountBuckets } from '@sluice/core';
import { lagSamples } from '@sluice/db';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { gapThreshold, withGaps } from '../lag-trend.ts';
import { pipelineGroups } from '../pipeline.ts';
import { stageHistoryFrom } from '../stage-rates.ts';
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
    const { topics, stages } = ctx.pipeline.names;
    const groups = pipelineGroups(ctx.pipeline);
    const historyTopics = [topics.raw];
    const nowMs = ctx.now().getTime();
    const since = new Date(nowMs - input.minutes * 60_000).toISOString();
    const buckets = stageCountBuckets(nowMs, input.minutes * 60_000);
    const series = stages.flatMap((s) =>
      s.metrics
        .filter((m) => m === 'in' || m === 'dlq')
        .map((metric) => ({ stage: s.stage, metric })),
    );
    const [totals, lag, counts] = await Promise.all([
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
      // Redis away: the lag chart still shows, the stages' lines say why they are missing.
      ctx.realtime.stageCounts(series, buckets).catch((err: Error) => err),
    ]);
    const countsError = counts instanceof Error ? counts.message : null;
    const byKey = new Map(
      countsError === null
        ? series.map((s, i) => [`${s.stage}/${s.metric}`, (counts as (string | null)[][])[i] ?? []])
        : [],
    );

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
    const rates: Record<string, { t: number; value: number | null }[]> = stageHistoryFrom(
      stages,
      buckets,
      (stage, metric) => byKey.get(`${stage}/${metric}`) ?? [],
    );
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
      throughput: {
        // Ingest (events.raw, when the monitor sampled it), each stage, then the DLQ.
        series: [
          ...historyTopics
            .filter((t) => byTopic.has(t))
            .map((t) => ({ key: t, kind: 'ingest' as const })),
          ...stages.map((s) => ({ key: s.stage, kind: 'stage' as const, label: s.label })),
          { key: 'dlq', kind: 'dlq' as const },
        ],
        unsampled: historyTopics.filter((t) => !byTopic.has(t)),
        countsError,
        rows: pivot(rates),
      },
      lag: { series: [...byGroup.keys()].sort(), rows: pivot(lagSeries) },
    };
  });
