// Window aggregates merged across source partitions at read time: counts add up, but unique
// users do not (the same user may appear in several partitions), so the console shows the
// largest per-partition estimate, a lower bound, and labels it as such.
import { windowAggregates } from '@sluice/db';
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';

export const WINDOW_SIZES = ['1m', '5m', '1h'] as const;

// The widest range per window size keeps a response under a few thousand windows per type.
const MAX_RANGE_MS = { '1m': 24 * 3600_000, '5m': 7 * 24 * 3600_000, '1h': 90 * 24 * 3600_000 };

const input = z
  .object({
    size: z.enum(WINDOW_SIZES),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    types: z.array(z.string().min(1).max(64)).max(50).optional(),
  })
  .refine((i) => Date.parse(i.from) < Date.parse(i.to), { message: 'from must be before to' })
  .refine((i) => Date.parse(i.to) - Date.parse(i.from) <= MAX_RANGE_MS[i.size], {
    message: 'range too wide for this window size',
  });

export const aggregatesRouter = createTRPCRouter({
  windows: viewerProcedure.input(input).query(async ({ ctx, input }) => {
    const w = windowAggregates;
    const rows = await ctx.db
      .select({
        windowStart: w.windowStart,
        type: w.type,
        count: sql<string>`sum(${w.count})`,
        lateAccepted: sql<string>`sum(${w.lateAccepted})`,
        lateDropped: sql<string>`sum(${w.lateDropped})`,
        uniqueUsersLowerBound: sql<string>`max(${w.uniqueUsersEstimate})`,
        partitions: sql<number>`count(DISTINCT ${w.sourcePartition})::int`,
      })
      .from(w)
      .where(
        and(
          eq(w.windowSize, input.size),
          gte(w.windowStart, new Date(input.from)),
          lt(w.windowStart, new Date(input.to)),
          input.types?.length ? inArray(w.type, input.types) : undefined,
        ),
      )
      .groupBy(w.windowStart, w.type)
      .orderBy(asc(w.windowStart), asc(w.type))
      .limit(20_000);

    return {
      size: input.size,
      windows: rows.map((r) => ({
        windowStart: r.windowStart.toISOString(),
        type: r.type,
        count: Number(r.count),
        lateAccepted: Number(r.lateAccepted),
        lateDropped: Number(r.lateDropped),
        uniqueUsersLowerBound: Number(r.uniqueUsersLowerBound),
        partitions: r.partitions,
      })),
      types: [...new Set(rows.map((r) => r.type))].sort(),
      // No process writes a live minute to Redis yet (no key layout exists); the page says so.
      live: null,
    };
  }),
});
