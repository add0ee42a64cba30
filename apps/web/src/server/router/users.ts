// Console users, for admins: list them, add one, change a role, disable or enable, set a new
// password. The changes are @sluice/auth's (the CLI's `sluice users` runs the same), each in one
// transaction with its audit row; the last enabled admin cannot be demoted or disabled.
import {
  addUser,
  LastAdminError,
  listUsers,
  MIN_PASSWORD_LENGTH,
  ROLES,
  resetUserPassword,
  setUserDisabled,
  setUserRole,
  UnknownUserError,
  UserInputError,
} from '@sluice/auth';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '../trpc.ts';

const email = z.email().max(320);
const password = z.string().min(MIN_PASSWORD_LENGTH).max(128);

/** The auth package's refusals as tRPC errors, with their plain messages. */
async function asTrpc<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UnknownUserError) {
      throw new TRPCError({ code: 'NOT_FOUND', message: err.message });
    }
    if (err instanceof LastAdminError || err instanceof UserInputError) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: err.message });
    }
    throw err;
  }
}

export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(async ({ ctx }) => {
    const rows = await listUsers(ctx.db);
    return rows.map((r) => ({
      ...r,
      disabledAt: r.disabledAt?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
    }));
  }),

  create: adminProcedure
    .input(z.object({ email, password, role: z.enum(ROLES) }))
    .mutation(({ ctx, input }) =>
      asTrpc(() =>
        addUser(ctx.auth, ctx.db, input, { actor: ctx.user.email, sourceIp: ctx.sourceIp }),
      ),
    ),

  setRole: adminProcedure
    .input(z.object({ email, role: z.enum(ROLES) }))
    .mutation(({ ctx, input }) =>
      asTrpc(() => setUserRole(ctx.db, input, { actor: ctx.user.email, sourceIp: ctx.sourceIp })),
    ),

  setDisabled: adminProcedure
    .input(z.object({ email, disabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      asTrpc(() =>
        setUserDisabled(ctx.db, input, { actor: ctx.user.email, sourceIp: ctx.sourceIp }),
      ),
    ),

  resetPassword: adminProcedure.input(z.object({ email, password })).mutation(({ ctx, input }) =>
    asTrpc(() =>
      resetUserPassword(ctx.auth, ctx.db, input, {
        actor: ctx.user.email,
        sourceIp: ctx.sourceIp,
      }),
    ),
  ),
});
