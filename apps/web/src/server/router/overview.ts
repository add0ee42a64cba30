// Overview: events into the pipeline (growth of events.raw's end offsets), records per second
// per stage (the stage counters in Redis), lag per group with the reason of its status (the lag
// monitor's latest samples), late events from the window aggregates; the history charts
// (overview-history.ts) and the other Redis panels (overview-realtime.ts) poll on their own.
import { DEFAULT_WINDOW_SIZE } from '@sluice/core';
import { lagSamples, windowAggregates } from '@sluice/db';
import type { KafkaAdminReader } from '@sluice/kafka';
import { and, eq, gte, sql } from 'drizzle-orm';
import { type SampleRow, summariseGroups } from '../lag-status.ts';
import { readStageRates, type StageRates } from '../stage-rates.ts';
import type { ThroughputSampler } from '../throughput-sampler.ts';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';
import { history } from './overview-history.ts';
import { eventsPerMinute, latency, sinks } from './overview-realtime.ts';

type TopicRate =
  | { ok: true; perSecond: number | null; missing: boolean }
  | { ok: false; error: string };

/**
 * Records per second into a topic from the growth of its summed end offsets between two polls.
 * Only honest for a topic no transactional producer writes (events.raw): every transaction
 * leaves a commit marker that takes an offset.
 */
async function topicRate(
  kafka: KafkaAdminReader,
  sampler: ThroughputSampler,
  topic: string,
  atMs: number,
): Promise<TopicRate> {
  try {
    const parts = await kafka.endOffsets(topic);
    const total = parts.reduce((s, p) => s + p.offset, 0);
    return { ok: true, perSecond: sampler.observe(topic, total, atMs), missing: false };
  } catch (err) {
    if (/unknown topic|does not exist/i.test(String(err))) {
      return { ok: true, perSecond: null, missing: true };
    }
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

const RECENT_MS = 15 * 60_000;

export const overviewRouter = createTRPCRouter({
  summary: viewerProcedure.query(async ({ ctx }) => {
    const now = ctx.now();
    const { names, windowSizes, lagThresholds } = ctx.pipeline;
    const hourAgo = new Date(now.getTime() - 3600_000);
    // Only groups the lag monitor sampled lately: the primary key starts with sampled_at, so
    // this reads the last minutes instead of the whole history, and a group that has gone
    // (no committed offsets left, or no longer monitored) drops off the overview.
    const recent = new Date(now.getTime() - RECENT_MS);

    const [ingest, stages, lag, late] = await Promise.all([
      topicRate(ctx.kafka, ctx.throughput, names.topics.raw, now.getTime()),
      readStageRates(ctx.realtime, names.stages, now.getTime()).then(
        (rates): { ok: true } & StageRates => ({ ok: true, ...rates }),
        (err: unknown) => ({
          ok: false as const,
          error: `Redis unreachable: ${err instanceof Error ? err.message : String(err)}`,
        }),
      ),
      // Every partition's last polls (its status window): the latest poll gives the group's
      // lag and status, the window the reason.
      ctx.db.execute<SampleRow>(sql`
        SELECT group_id, topic, partition, sampled_at, committed_offset, end_offset, offset_lag,
               time_lag_s, status
        FROM (
          SELECT s.*, row_number() OVER (
                   PARTITION BY group_id, topic, partition ORDER BY sampled_at DESC) AS rn
          FROM ${lagSamples} s
          WHERE s.sampled_at > ${recent}
        ) w
        WHERE rn <= ${DEFAULT_WINDOW_SIZE}`),
      ctx.db
        .select({
          windows: sql<number>`count(*)::int`,
          lateAccepted: sql<string | null>`sum(${windowAggregates.lateAccepted})`,
          lateDropped: sql<string | null>`sum(${windowAggregates.lateDropped})`,
        })
        .from(windowAggregates)
        .where(
          and(
            // Every window size counts every event: the smallest has the finest late counts.
            eq(windowAggregates.windowSize, windowSizes[0].name),
            gte(windowAggregates.windowStart, hourAgo),
          ),
        ),
    ]);

    const lateRow = late[0];
    return {
      at: now.toISOString(),
      // Measured from Kafka: records into the pipeline.
      kafka: ingest.ok
        ? {
            ok: true as const,
            stages: [
              {
                stage: 'ingest' as const,
                label: `Ingest (${names.topics.raw})`,
                topic: names.topics.raw,
                perSecond: ingest.perSecond,
                missing: ingest.missing,
              },
            ],
          }
        : { ok: false as const, error: ingest.error },
      // Counted by the stages' workers: records in, out, to the DLQ and late, per stage.
      stages,
      lag: summariseGroups(lag.rows, lagThresholds),
      lateLastHour:
        lateRow && lateRow.windows > 0
          ? {
              accepted: Number(lateRow.lateAccepted ?? 0),
              dropped: Number(lateRow.lateDropped ?? 0),
            }
          : null,
    };
  }),
  history,
  eventsPerMinute,
  latency,
  sinks,
});
