// The DLQ inbox, read-only, for viewers: entries grouped by error signature, a group's (or any
// filter's) entries page by page, and one entry in full. The SQL is the db package's (the same
// functions `sluice dlq` uses); this file validates the input, bounds it, and turns what the
// database holds (Dates, 64-bit offsets, bytes) into what JSON carries.
import { decodeDlqCursor, dlqFilterSchema, encodeDlqCursor, viewPayload } from '@sluice/core';
import { type DlqInboxFilter, getDlqEntry, listDlqEntries, listDlqGroups } from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, viewerProcedure } from '../trpc.ts';
import { dlqReplayProcedures } from './dlq-replay.ts';

/** The inbox's filters: core's, which the CLI validates with too. */
const filterFields = dlqFilterSchema.shape;

function filterOf(input: DlqInboxFilter): DlqInboxFilter {
  return {
    stage: input.stage,
    errorClass: input.errorClass,
    eventType: input.eventType,
    signature: input.signature,
    status: input.status,
    sinceMs: input.sinceMs,
    untilMs: input.untilMs,
    text: input.text,
  };
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const str = (n: bigint | null) => (n === null ? null : n.toString());

export const dlqRouter = createTRPCRouter({
  // Replay, discard and the jobs (dlq-replay.ts): operators act, viewers read.
  ...dlqReplayProcedures,

  groups: viewerProcedure
    .input(z.object({ ...filterFields, limit: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => {
      const groups = await listDlqGroups(ctx.db, filterOf(input), input.limit);
      return groups.map((g) => ({
        ...g,
        firstFailedAt: g.firstFailedAt.toISOString(),
        lastFailedAt: g.lastFailedAt.toISOString(),
      }));
    }),

  entries: viewerProcedure
    .input(
      z.object({
        ...filterFields,
        limit: z.number().int().min(1).max(100).default(50),
        /** The previous page's `next`. */
        cursor: z.string().min(1).max(64).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const after = input.cursor === undefined ? undefined : decodeDlqCursor(input.cursor);
      if (input.cursor !== undefined && after === undefined) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'not a cursor of this inbox' });
      }
      const page = await listDlqEntries(ctx.db, filterOf(input), { limit: input.limit, after });
      return {
        entries: page.entries.map((e) => ({
          ...e,
          offset: e.offset.toString(),
          sourceOffset: str(e.sourceOffset),
          firstFailureAt: iso(e.firstFailureAt),
          lastFailureAt: iso(e.lastFailureAt),
          failedAt: e.failedAt.toISOString(),
        })),
        next: page.next ? encodeDlqCursor(page.next) : undefined,
      };
    }),

  /** One entry with its payloads and history; null when the index holds no such entry. */
  entry: viewerProcedure
    .input(z.object({ id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }))
    .query(async ({ ctx, input }) => {
      const e = await getDlqEntry(ctx.db, input.id);
      if (!e) return null;
      const { originalKey, originalValue, ...rest } = e;
      return {
        ...rest,
        offset: e.offset.toString(),
        sourceOffset: str(e.sourceOffset),
        recordTimestamp: iso(e.recordTimestamp),
        sourceTimestamp: iso(e.sourceTimestamp),
        firstFailureAt: iso(e.firstFailureAt),
        lastFailureAt: iso(e.lastFailureAt),
        failedAt: e.failedAt.toISOString(),
        statusChangedAt: iso(e.statusChangedAt),
        indexedAt: e.indexedAt.toISOString(),
        /** The original record's key and value, read as JSON, text or hex; never changed. */
        key: viewPayload(originalKey),
        value: viewPayload(originalValue),
        actions: e.actions.map((a) => ({ ...a, at: a.at.toISOString() })),
      };
    }),
});
