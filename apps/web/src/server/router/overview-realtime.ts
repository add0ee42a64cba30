// Overview panels fed by Redis (the storage writers' realtime metrics): events per minute,
// end-to-end latency and sink health. Each is its own procedure so a Redis outage turns into an
// error state in these panels while the rest of the overview keeps working.
import { minuteBucket, summariseLatency } from '@sluice/core';
import { z } from 'zod';
import { sinkHealthRows } from '../sink-health.ts';
import { viewerProcedure } from '../trpc.ts';
import { unavailable } from '../unavailable.ts';

/** The `minutes` most recent minute buckets ending with the current one, oldest first. */
function lastMinutes(nowMs: number, minutes: number): { t: number; minute: string }[] {
  const current = Math.floor(nowMs / 60_000) * 60_000;
  return Array.from({ length: minutes }, (_, i) => {
    const t = current - (minutes - 1 - i) * 60_000;
    return { t, minute: minuteBucket(t) };
  });
}

const minutesInput = (fallback: number) =>
  z
    .object({
      minutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(fallback),
    })
    .default({ minutes: fallback });

export const eventsPerMinute = viewerProcedure
  .input(minutesInput(60))
  .query(async ({ ctx, input }) => {
    const slots = lastMinutes(ctx.now().getTime(), input.minutes);
    let hashes: Record<string, string>[];
    try {
      hashes = await ctx.realtime.counts(slots.map((s) => s.minute));
    } catch (err) {
      throw unavailable('Redis', err);
    }
    return {
      at: ctx.now().toISOString(),
      // A minute without a counter has no stored events (or expired): a gap, not a zero.
      points: slots.map((s, i) => {
        const h = hashes[i] ?? {};
        const present = h._all !== undefined;
        return {
          t: s.t,
          events: present ? Number(h._all) : null,
          errors: present ? Number(h._errors ?? 0) : null,
        };
      }),
    };
  });

export const latency = viewerProcedure.input(minutesInput(15)).query(async ({ ctx, input }) => {
  const slots = lastMinutes(ctx.now().getTime(), input.minutes);
  let hashes: Record<string, string>[];
  try {
    hashes = await ctx.realtime.latency(slots.map((s) => s.minute));
  } catch (err) {
    throw unavailable('Redis', err);
  }
  return {
    minutes: input.minutes,
    summary: summariseLatency(hashes),
    points: slots.map((s, i) => {
      const h = hashes[i] ?? {};
      if (h.n === undefined) return { t: s.t, count: 0, meanMs: null, p50Ms: null, p99Ms: null };
      const m = summariseLatency([h]);
      return { t: s.t, count: m.count, meanMs: m.meanMs, p50Ms: m.p50Ms, p99Ms: m.p99Ms };
    }),
  };
});

export const sinks = viewerProcedure.query(async ({ ctx }) => {
  let raw: Record<string, string>;
  try {
    raw = await ctx.realtime.sinkHealth();
  } catch (err) {
    throw unavailable('Redis', err);
  }
  return { at: ctx.now().toISOString(), sinks: sinkHealthRows(raw, ctx.now().getTime()) };
});
