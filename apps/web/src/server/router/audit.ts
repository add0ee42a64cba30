// The audit log, newest first, for admins. Keyset pagination on id keeps pages stable while
// new entries arrive.
import { auditLog } from '@sluice/db';
import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

export const auditRouter = createTRPCRouter({
  list: adminProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.number().int().positive().optional(),
        actor: z.string().min(1).max(320).optional(),
        action: z.string().min(1).max(100).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db
        .select()
        .from(auditLog)
        .where(
          and(
            input.cursor ? lt(auditLog.id, input.cursor) : undefined,
            input.actor ? eq(auditLog.actor, input.actor) : undefined,
            input.action ? eq(auditLog.action, input.action) : undefined,
          ),
        )
        .orderBy(desc(auditLog.id))
        .limit(input.limit + 1);
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
        nextCursor: rows.length > input.limit ? page.at(-1)?.id : undefined,
      };
    }),
});
