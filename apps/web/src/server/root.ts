// The console's API: one router per area of the console.
import { aggregatesRouter } from './router/aggregates.ts';
import { auditRouter } from './router/audit.ts';
import { dlqRouter } from './router/dlq.ts';
import { groupsRouter } from './router/groups.ts';
import { overviewRouter } from './router/overview.ts';
import { routingRouter } from './router/routing.ts';
import { stagesRouter } from './router/stages.ts';
import { topicsRouter } from './router/topics.ts';
import { traceRouter } from './router/trace.ts';
import { usersRouter } from './router/users.ts';
import { createCallerFactory, createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  overview: overviewRouter,
  groups: groupsRouter,
  aggregates: aggregatesRouter,
  audit: auditRouter,
  dlq: dlqRouter,
  routing: routingRouter,
  stages: stagesRouter,
  topics: topicsRouter,
  trace: traceRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
