// tRPC foundation: the request context and the base procedures. `createContextInner` takes
// every dependency as an argument (tests pass real clients for their own schema); the HTTP
// adapter in context.ts resolves the session and the process-wide clients. Every data
// procedure is built from a role procedure: no session -> UNAUTHORIZED, too weak -> FORBIDDEN.
import type { Auth } from '@sluice/auth';
import { hasRole, type Role } from '@sluice/auth';
import type { Database } from '@sluice/db';
import type { KafkaAdminReader } from '@sluice/kafka';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { ConsolePipeline } from './pipeline.ts';
import type { RealtimeReader } from './realtime-reader.ts';
import type { ThroughputSampler } from './throughput-sampler.ts';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface ContextDeps {
  db: Database;
  auth: Auth;
  kafka: KafkaAdminReader;
  throughput: ThroughputSampler;
  realtime: RealtimeReader;
  /** Topic and group names, window sizes, lag thresholds: the configured pipeline. */
  pipeline: ConsolePipeline;
  user: SessionUser | null;
  sourceIp?: string | null;
  now?: () => Date;
}

export function createContextInner(deps: ContextDeps) {
  return {
    db: deps.db,
    auth: deps.auth,
    kafka: deps.kafka,
    throughput: deps.throughput,
    realtime: deps.realtime,
    pipeline: deps.pipeline,
    user: deps.user,
    sourceIp: deps.sourceIp ?? null,
    now: deps.now ?? (() => new Date()),
  };
}

export type Context = ReturnType<typeof createContextInner>;

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        zodError: error.cause instanceof ZodError ? error.cause.issues : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Not used for any data: every router below requires a role. */
export const publicProcedure = t.procedure;

function roleProcedure(required: Role) {
  return t.procedure.use(({ ctx, next }) => {
    if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
    if (!hasRole(ctx.user.role, required)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `requires the ${required} role` });
    }
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

export const viewerProcedure = roleProcedure('viewer');
export const operatorProcedure = roleProcedure('operator');
export const adminProcedure = roleProcedure('admin');
