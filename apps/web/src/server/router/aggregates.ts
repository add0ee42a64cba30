// Window aggregates merged across source partitions at read time (counts add up; unique users
// are the union of the partitions' HyperLogLog sketches), and the live minute from Redis.
// A window's rows are its partitions' partials (correction 0) and any late-drop corrections
// (correction >= 1: late_dropped only, count 0, an empty sketch): counts and late counts sum
// over all of them; sketches, partitions and the sketch budget count the partials only.
import { HLL_SPARSE_LIMIT, HLL_STANDARD_ERROR, type WindowSize } from '@sluice/core';
import { windowAggregates } from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { readLiveMinutes } from '../live-minute.ts';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';
import { unavailable } from '../unavailable.ts';
import { mergeSketches } from '../unique-users.ts';

// The widest range keeps a response under a few thousand windows per type, whatever the size:
// 36 hours of 1-minute windows, 7.5 days of 5-minute ones, 90 days of hourly ones.
export const MAX_WINDOWS_PER_RANGE = 2160;
const maxRangeMs = (size: WindowSize) => size.ms * MAX_WINDOWS_PER_RANGE;

// Sketches are up to 10 KiB each (a few hundred bytes while exact): merging is done for the
// newest windows only (the ones the table shows), within a budget of rows, so a day of 1-minute
// windows stays a fast read.
export const MERGED_WINDOWS = 200;
const SKETCH_ROW_BUDGET = 4000;

const typeName = z.string().min(1).max(64);

/** The users of a window that counted no event. */
const NO_USERS = { estimate: 0, mode: 'exact', standardError: 0 } as const;

// One of the configured sizes (AGG_WINDOWS), checked against the context's list.
const input = z
  .object({
    size: z.string().min(1).max(16),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    types: z.array(typeName).max(50).optional(),
  })
  .refine((i) => Date.parse(i.from) < Date.parse(i.to), { message: 'from must be before to' });

export const aggregatesRouter = createTRPCRouter({
  /** The window sizes the aggregation workers emit (AGG_WINDOWS), smallest first. */
  sizes: viewerProcedure.query(({ ctx }) =>
    ctx.pipeline.windowSizes.map((s) => ({ name: s.name, ms: s.ms, maxRangeMs: maxRangeMs(s) })),
  ),

  windows: viewerProcedure.input(input).query(async ({ ctx, input }) => {
    const size = ctx.pipeline.windowSizes.find((s) => s.name === input.size);
    if (!size) {
      const configured = ctx.pipeline.windowSizes.map((s) => s.name).join(', ');
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `window size '${input.size}' is not one of the configured sizes (${configured})`,
      });
    }
    if (Date.parse(input.to) - Date.parse(input.from) > maxRangeMs(size)) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'range too wide for this window size' });
    }
    const w = windowAggregates;
    const filter = (from: Date) =>
      and(
        eq(w.windowSize, input.size),
        gte(w.windowStart, from),
        lt(w.windowStart, new Date(input.to)),
        input.types?.length ? inArray(w.type, input.types) : undefined,
      );
    const rows = await ctx.db
      .select({
        windowStart: w.windowStart,
        type: w.type,
        count: sql<string>`sum(${w.count})`,
        lateAccepted: sql<string>`sum(${w.lateAccepted})`,
        lateDropped: sql<string>`sum(${w.lateDropped})`,
        partitions: sql<number>`(count(DISTINCT ${w.sourcePartition}) FILTER (WHERE ${w.correction} = 0))::int`,
        partials: sql<number>`(count(*) FILTER (WHERE ${w.correction} = 0))::int`,
      })
      .from(w)
      .where(filter(new Date(input.from)))
      .groupBy(w.windowStart, w.type)
      .orderBy(asc(w.windowStart), asc(w.type))
      .limit(20_000);

    // The newest windows whose sketches fit the budget; older ones show no unique users. A
    // window with no partial (only corrections: every event of it came past retention) has no
    // sketch to read, and no users.
    const merge = new Set<string>();
    let oldest: Date | undefined;
    let budget = SKETCH_ROW_BUDGET;
    for (let i = rows.length - 1; i >= 0 && merge.size < MERGED_WINDOWS; i--) {
      const r = rows[i] as (typeof rows)[number];
      if (r.partials === 0) continue;
      if (r.partials > budget) break;
      budget -= r.partials;
      merge.add(`${r.windowStart.getTime()}/${r.type}`);
      oldest = r.windowStart;
    }
    const sketches = new Map<string, Uint8Array[]>();
    if (oldest) {
      const found = await ctx.db
        .select({ windowStart: w.windowStart, type: w.type, sketch: w.uniqueUsersSketch })
        .from(w)
        .where(and(filter(oldest), eq(w.correction, 0)));
      for (const f of found) {
        const key = `${f.windowStart.getTime()}/${f.type}`;
        if (!merge.has(key)) continue;
        const list = sketches.get(key) ?? [];
        list.push(f.sketch);
        sketches.set(key, list);
      }
    }

    return {
      size: input.size,
      // A dense sketch's: each window says whether its count is exact or this estimate.
      uniqueUsersStandardError: HLL_STANDARD_ERROR,
      uniqueUsersExactUpTo: HLL_SPARSE_LIMIT,
      mergedWindows: merge.size,
      windows: rows.map((r) => {
        const list = sketches.get(`${r.windowStart.getTime()}/${r.type}`);
        const users = list ? mergeSketches(list) : r.partials === 0 ? NO_USERS : undefined;
        return {
          windowStart: r.windowStart.toISOString(),
          type: r.type,
          count: Number(r.count),
          lateAccepted: Number(r.lateAccepted),
          lateDropped: Number(r.lateDropped),
          // null: not among the merged windows, or a stored sketch was unreadable.
          uniqueUsers: users?.estimate ?? null,
          uniqueUsersMode: users?.mode ?? null,
          uniqueUsersStandardError: users?.standardError ?? null,
          partitions: r.partitions,
        };
      }),
      types: [...new Set(rows.map((r) => r.type))].sort(),
    };
  }),

  /** The open minute and the one before it, from Redis: partial until late events stop. */
  live: viewerProcedure
    .input(
      z.object({ topPages: z.number().int().min(1).max(50).default(10) }).default({ topPages: 10 }),
    )
    .query(async ({ ctx, input }) => {
      try {
        return await readLiveMinutes(ctx.realtime, ctx.now().getTime(), input.topPages);
      } catch (err) {
        throw unavailable('Redis', err);
      }
    }),
});
