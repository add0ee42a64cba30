// Console users, for admins: list them and add one. Adding is the console's only write action
// so far; it goes through the same Better Auth instance as sign-in and is audited.
import { createUser, MIN_PASSWORD_LENGTH, ROLES, UserInputError } from '@sluice/auth';
import { auditLog, authUser } from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { asc } from 'drizzle-orm';
import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db
      .select({
        id: authUser.id,
        email: authUser.email,
        name: authUser.name,
        role: authUser.role,
        createdAt: authUser.createdAt,
      })
      .from(authUser)
      .orderBy(asc(authUser.email));
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  }),

  create: adminProcedure
    .input(
      z.object({
        email: z.email().max(320),
        password: z.string().min(MIN_PASSWORD_LENGTH).max(128),
        role: z.enum(ROLES),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      try {
        const user = await createUser(ctx.auth, input);
        await ctx.db.insert(auditLog).values({
          actor: ctx.user.email,
          action: 'user.create',
          target: user.email,
          affected: 1,
          sourceIp: ctx.sourceIp,
          details: { role: user.role },
        });
        return user;
      } catch (err) {
        if (err instanceof UserInputError) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: err.message });
        }
        throw err;
      }
    }),
});
