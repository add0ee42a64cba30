// The event trace for viewers: an event_id → its raw and enriched records, its dead letters, the
// windows of its event time and the stores that hold it, read as `sluice trace` reads them
// (@sluice/core event-trace.ts): Kafka only where the events table, the DLQ index or a time hint
// bounds the search, capped in records and time.
import { DEFAULT_TRACE_BOUNDS, traceEvent } from '@sluice/core';
import { findEventDlqEntries, findStoredEvent } from '@sluice/db';
import { traceRecordFinder } from '@sluice/kafka';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';
import { unavailable } from '../unavailable.ts';

const SEARCH_LIMITS = { maxRecords: 100_000, timeoutMs: 10_000 };

export const traceRouter = createTRPCRouter({
  event: viewerProcedure
    .input(
      z.object({
        eventId: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces'),
        around: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      if (!ctx.topics)
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: 'the topic browser is not configured on this console',
        });
      const hintMs = input.around ? Date.parse(input.around) : null;
      const stores = ctx.traceStores ?? {};
      const started = performance.now();
      const trace = await traceEvent(
        input.eventId,
        { raw: ctx.pipeline.names.topics.raw, enriched: ctx.pipeline.names.topics.enriched },
        {
          storedEvent: (id) =>
            findStoredEvent(
              ctx.db,
              id,
              hintMs === null
                ? undefined
                : { sinceMs: hintMs - 86_400_000, untilMs: hintMs + 86_400_000 },
            ),
          dlqEntries: (id) => findEventDlqEntries(ctx.db, id),
          findRecord: traceRecordFinder(ctx.topics, SEARCH_LIMITS),
          ...stores,
        },
        { hintMs, bounds: DEFAULT_TRACE_BOUNDS },
      ).catch((err: unknown) => {
        if (err instanceof TRPCError) throw err;
        throw unavailable('Kafka, PostgreSQL or Redis', err);
      });
      return {
        ...trace,
        elapsedMs: Math.round(performance.now() - started),
        unchecked: [
          ...(stores.searchDocument ? [] : ['elasticsearch']),
          ...(stores.archiveObject ? [] : ['s3']),
          ...(stores.redis ? [] : ['redis']),
        ],
      };
    }),
});
