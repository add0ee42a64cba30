// tRPC foundation: the request context and the base procedures. `createContextInner` takes
// every dependency as an argument (tests pass real clients for their own schema); the HTTP
// adapter in context.ts resolves the session, the request's origin and the process-wide
// clients. Every procedure is built from a role procedure: no session -> UNAUTHORIZED, too weak
// -> FORBIDDEN; a mutation from an origin that is not the console's -> FORBIDDEN; and every
// refusal (those, and bad input) is written to the audit log.
import type { Auth } from '@sluice/auth';
import { hasRole, type Role } from '@sluice/auth';
import type { TracePorts } from '@sluice/core';
import type { Database } from '@sluice/db';
import { auditLog } from '@sluice/db';
import type {
  KafkaAdminReader,
  OffsetResetClient,
  StageControlClient,
  TopicBrowser,
} from '@sluice/kafka';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { checkSameOrigin, type RequestOrigin } from './auth/csrf.ts';
import {
  REFUSAL_CODES,
  type Refusal,
  type RefusalThrottle,
  refusalRow,
} from './auth/refusal-audit.ts';
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
  /** The control channel (stage states); omitted where a test has none. */
  controls?: StageControlClient | null;
  /** Offset resets of stopped stages; omitted where a test has none. */
  offsets?: OffsetResetClient | null;
  throughput: ThroughputSampler;
  realtime: RealtimeReader;
  /** Topics and their records (message browser, event trace); omitted where a test has none. */
  topics?: TopicBrowser | null;
  /** Stores the event trace asks beyond PostgreSQL and Kafka; omitted: left unchecked. */
  traceStores?: Pick<TracePorts, 'searchDocument' | 'redis' | 'archiveObject'> | null;
  /** Topic and group names, window sizes, lag thresholds: the configured pipeline. */
  pipeline: ConsolePipeline;
  user: SessionUser | null;
  sourceIp?: string | null;
  /** Where an HTTP request says it comes from; omitted (null) for in-process calls. */
  request?: RequestOrigin | null;
  /** The console's own origins: the only ones allowed to call mutations over HTTP. */
  trustedOrigins?: readonly string[];
  /** Bounds the refusals written per actor; omitted: every refusal is written. */
  refusalThrottle?: RefusalThrottle;
  now?: () => Date;
}

export function createContextInner(deps: ContextDeps) {
  return {
    db: deps.db,
    auth: deps.auth,
    kafka: deps.kafka,
    controls: deps.controls ?? null,
    offsets: deps.offsets ?? null,
    throughput: deps.throughput,
    realtime: deps.realtime,
    topics: deps.topics ?? null,
    traceStores: deps.traceStores ?? null,
    pipeline: deps.pipeline,
    user: deps.user,
    sourceIp: deps.sourceIp ?? null,
    request: deps.request ?? null,
    trustedOrigins: deps.trustedOrigins ?? [],
    refusalThrottle: deps.refusalThrottle ?? null,
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

async function audit(ctx: Context, refusal: Refusal) {
  const actor = refusal.actor ?? 'anonymous';
  const verdict = ctx.refusalThrottle?.admit(actor) ?? { admitted: true, suppressedBefore: 0 };
  if (!verdict.admitted) return;
  try {
    await ctx.db.insert(auditLog).values(refusalRow(refusal, verdict.suppressedBefore));
  } catch (err) {
    // The refusal stands either way; a lost audit row is a fault to see in the log.
    console.error(`audit of a refused ${refusal.path} call failed:`, err);
  }
}

/**
 * The root of every procedure: the CSRF rule for mutations, then whatever refuses the call
 * further down (the role guard, the input schema, the procedure itself) is audited. There is no
 * public procedure: every procedure of the console is built from a role procedure below.
 */
const guardedProcedure = t.procedure.use(async ({ ctx, type, path, getRawInput, next }) => {
  const refusal = async (code: Refusal['code'], reason: string, issues?: Refusal['issues']) =>
    audit(ctx, {
      path,
      type,
      code,
      reason,
      actor: ctx.user?.email ?? null,
      sourceIp: ctx.sourceIp,
      origin: ctx.request?.origin ?? null,
      rawInput: await getRawInput().catch(() => undefined),
      ...(issues ? { issues } : {}),
    });

  // Only over HTTP: an in-process caller (a server component, a test) has no browser to forge.
  if (type === 'mutation' && ctx.request) {
    const verdict = checkSameOrigin(ctx.request, ctx.trustedOrigins);
    if (!verdict.ok) {
      await refusal('FORBIDDEN', `csrf:${verdict.reason}`);
      throw new TRPCError({ code: 'FORBIDDEN', message: 'cross-origin request refused' });
    }
  }

  const result = await next();
  if (!result.ok && REFUSAL_CODES.has(result.error.code)) {
    const { cause } = result.error;
    if (cause instanceof ZodError) await refusal(result.error.code, 'input', cause.issues);
    else await refusal(result.error.code, result.error.message);
  }
  return result;
});

function roleProcedure(required: Role) {
  return guardedProcedure.use(({ ctx, next }) => {
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
