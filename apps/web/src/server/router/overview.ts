// Overview: throughput per stage (from topic end offsets), DLQ and late rates, lag per group
// (the lag monitor's latest samples), late events from the window aggregates; the history
// charts (overview-history.ts) and the Redis panels (overview-realtime.ts) poll on their own.
import { lagSamples, windowAggregates } from '@sluice/db';
import type { KafkaAdminReader } from '@sluice/kafka';
import { and, eq, gte, sql } from 'drizzle-orm';
import { DLQ_TOPIC, LATE_TOPIC, STAGE_TOPICS } from '../pipeline.ts';
import type { ThroughputSampler } from '../throughput-sampler.ts';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';
import { history } from './overview-history.ts';
import { eventsPerMinute, latency, sinks } from './overview-realtime.ts';

type Rates =
  | { ok: true; rates: Record<string, number | null>; missingTopics: string[] }
  | { ok: false; error: string };

async function topicRates(
  kafka: KafkaAdminReader,
  sampler: ThroughputSampler,
  topics: string[],
  atMs: number,
): Promise<Rates> {
  const rates: Record<string, number | null> = {};
  const missingTopics: string[] = [];
  try {
    await Promise.all(
      topics.map(async (topic) => {
        try {
          const parts = await kafka.endOffsets(topic);
          rates[topic] = sampler.observe(
            topic,
            parts.reduce((s, p) => s + p.offset, 0),
            atMs,
          );
        } catch (err) {
          if (/unknown topic|does not exist/i.test(String(err))) missingTopics.push(topic);
          else throw err;
        }
      }),
    );
    return { ok: true, rates, missingTopics };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

const RECENT_MS = 15 * 60_000;

export const overviewRouter = createTRPCRouter({
  summary: viewerProcedure.query(async ({ ctx }) => {
    const now = ctx.now();
    const topics = [...STAGE_TOPICS.map((s) => s.topic), DLQ_TOPIC, LATE_TOPIC];
    const hourAgo = new Date(now.getTime() - 3600_000);
    // Only groups the lag monitor sampled lately: the primary key starts with sampled_at, so
    // this reads the last minutes instead of the whole history, and a group that has gone
    // (no committed offsets left, or no longer monitored) drops off the overview.
    const recent = new Date(now.getTime() - RECENT_MS);

    const [kafka, lag, late] = await Promise.all([
      topicRates(ctx.kafka, ctx.throughput, topics, now.getTime()),
      // The latest sample per group: total offset lag, worst time lag, worst status.
      ctx.db.execute<{
        group_id: string;
        sampled_at: Date;
        offset_lag: string | null;
        time_lag_s: number | null;
        statuses: string[];
      }>(sql`
        SELECT s.group_id, s.sampled_at,
               CASE WHEN count(s.offset_lag) = count(*) THEN sum(s.offset_lag) END AS offset_lag,
               max(s.time_lag_s) AS time_lag_s,
               array_agg(DISTINCT s.status) AS statuses
        FROM ${lagSamples} s
        JOIN (SELECT group_id, max(sampled_at) AS at FROM ${lagSamples}
              WHERE sampled_at > ${recent} GROUP BY group_id) l
          ON l.group_id = s.group_id AND l.at = s.sampled_at
        WHERE s.sampled_at > ${recent}
        GROUP BY s.group_id, s.sampled_at
        ORDER BY s.group_id`),
      ctx.db
        .select({
          windows: sql<number>`count(*)::int`,
          lateAccepted: sql<string | null>`sum(${windowAggregates.lateAccepted})`,
          lateDropped: sql<string | null>`sum(${windowAggregates.lateDropped})`,
        })
        .from(windowAggregates)
        .where(
          and(eq(windowAggregates.windowSize, '1m'), gte(windowAggregates.windowStart, hourAgo)),
        ),
    ]);

    const lateRow = late[0];
    return {
      at: now.toISOString(),
      kafka: kafka.ok
        ? {
            ok: true as const,
            stages: STAGE_TOPICS.map((s) => ({
              ...s,
              perSecond: kafka.rates[s.topic] ?? null,
              missing: kafka.missingTopics.includes(s.topic),
            })),
            dlqPerSecond: kafka.rates[DLQ_TOPIC] ?? null,
            latePerSecond: kafka.rates[LATE_TOPIC] ?? null,
          }
        : { ok: false as const, error: kafka.error },
      lag: lag.rows.map((r) => ({
        groupId: r.group_id,
        sampledAt: new Date(r.sampled_at).toISOString(),
        offsetLag: r.offset_lag === null ? null : Number(r.offset_lag),
        maxTimeLagS: r.time_lag_s,
        status: worstStatus(r.statuses),
      })),
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

const SEVERITY = ['OK', 'WARN', 'REWIND', 'STALL', 'STOP'];

export function worstStatus(statuses: string[]): string {
  return statuses.reduce(
    (worst, s) => (SEVERITY.indexOf(s) > SEVERITY.indexOf(worst) ? s : worst),
    statuses[0] ?? 'UNKNOWN',
  );
}
