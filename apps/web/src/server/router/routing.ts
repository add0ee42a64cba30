// Routing rules as managed config: the numbered versions in PostgreSQL, the one in force and
// the version each storage writer runs (from their sink-health entries); a draft's check (schema
// errors naming the key, warnings for unreachable rules and types routed nowhere, the diff
// against the rules in force) and its preview over recent events or events pasted in; publish
// and rollback for admins, each audited with the version before and after (in the same
// transaction, by @sluice/db, as `sluice routing` does). Check and preview are queries (they
// write nothing), so their draft travels in a GET URL and is bounded to fit it.
import {
  checkRoutingDraft,
  DEFAULT_ROUTING,
  diffRoutingConfigs,
  formatRoutingDiff,
  parseRoutingConfig,
  previewRouting,
  type RoutingConfig,
} from '@sluice/core';
import {
  events,
  getRoutingVersion,
  listRoutingVersions,
  publishRoutingVersion,
  type RoutingChange,
  rollbackRouting,
  routingInForce,
} from '@sluice/db';
import { TRPCError } from '@trpc/server';
import { desc } from 'drizzle-orm';
import { z } from 'zod';
import { sinkHealthRows } from '../sink-health.ts';
import { adminProcedure, type Context, createTRPCRouter, viewerProcedure } from '../trpc.ts';
import { unavailable } from '../unavailable.ts';

/** A draft checked or previewed travels URL-encoded in a GET: about 4 KB of JSON fits. */
const draft = z.string().max(4_000);
const note = z.string().trim().max(500).optional();
/** Events pasted in: NDJSON or one JSON array; at most this many are previewed. */
const MAX_PREVIEW_EVENTS = 500;

async function inForceConfig(
  ctx: Context,
): Promise<{ version: number | null; config: RoutingConfig }> {
  const current = await routingInForce(ctx.db);
  if (!current) return { version: null, config: DEFAULT_ROUTING };
  const r = parseRoutingConfig(current.config);
  if (!r.ok)
    throw new Error(`routing version ${current.version} is invalid: ${r.errors.join('; ')}`);
  return { version: current.version, config: r.config };
}

function parsePasted(text: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  let values: unknown[];
  try {
    values = trimmed.startsWith('[')
      ? (JSON.parse(trimmed) as unknown[])
      : trimmed
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown);
  } catch {
    // Not the parser's message: it quotes the input, and refusals are audited.
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'pasted events: not NDJSON or a JSON array',
    });
  }
  if (
    !Array.isArray(values) ||
    values.some((v) => v === null || typeof v !== 'object' || Array.isArray(v))
  )
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'pasted events: each must be a JSON object',
    });
  return (values as Record<string, unknown>[]).slice(0, MAX_PREVIEW_EVENTS);
}

/** Recent events from PostgreSQL, in the enriched shape the rules match on. */
async function recentEvents(ctx: Context, limit: number): Promise<Record<string, unknown>[]> {
  const rows = await ctx.db.select().from(events).orderBy(desc(events.eventTime)).limit(limit);
  return rows.map((r) => ({
    event_id: r.eventId,
    type: r.type,
    timestamp: r.eventTime.toISOString(),
    user_id: r.userId,
    session_id: r.sessionId,
    ...(r.url === null ? {} : { url: r.url }),
    ...(r.referrer === null ? {} : { referrer: r.referrer }),
    ...(r.ip === null ? {} : { ip: r.ip }),
    geo: {
      country: r.country,
      country_code: r.countryCode,
      region: r.region,
      city: r.city,
      latitude: r.latitude,
      longitude: r.longitude,
    },
    ua: {
      browser: r.browser,
      browser_version: r.browserVersion,
      os: r.os,
      device_type: r.deviceType,
    },
    ...(r.properties ? { properties: r.properties } : {}),
  }));
}

function checked(text: string): RoutingConfig {
  const r = checkRoutingDraft(text);
  if (!r.ok)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `the draft is invalid: ${r.errors.join('; ')}`,
    });
  return r.config;
}

function outcome(r: RoutingChange) {
  if (r.ok) return { before: r.before, after: r.after };
  throw new TRPCError({
    code: r.reason === 'not-found' ? 'NOT_FOUND' : 'CONFLICT',
    message: r.message,
  });
}

export const routingRouter = createTRPCRouter({
  list: viewerProcedure.query(async ({ ctx }) => {
    const [versions, inForce] = await Promise.all([
      listRoutingVersions(ctx.db),
      routingInForce(ctx.db),
    ]);
    // The writers' own word on the version they run; Redis away only hides that column.
    const health = await ctx.realtime.sinkHealth().then(
      (raw) => ({ ok: true as const, rows: sinkHealthRows(raw, ctx.now().getTime()) }),
      (err: unknown) => ({
        ok: false as const,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    const writers = new Map<
      string,
      { workerId: string; routingVersion: number | null; state: string; updatedAt: string | null }
    >();
    if (health.ok)
      for (const r of health.rows) {
        if (r.state === 'unreadable' || r.state === 'stale') continue;
        if (!writers.has(r.workerId))
          writers.set(r.workerId, {
            workerId: r.workerId,
            routingVersion: r.routingVersion,
            state: r.state,
            updatedAt: r.updatedAt,
          });
      }
    return {
      inForce: inForce
        ? {
            version: inForce.version,
            by: inForce.by,
            at: inForce.at.toISOString(),
            action: inForce.action,
          }
        : null,
      versions: versions.map((v) => ({
        version: v.version,
        createdBy: v.createdBy,
        createdAt: v.createdAt.toISOString(),
        note: v.note,
        source: v.source,
      })),
      writers: health.ok ? [...writers.values()] : null,
      writersError: health.ok ? null : health.error,
    };
  }),

  get: viewerProcedure
    .input(z.object({ version: z.number().int().positive().max(2_147_483_647) }))
    .query(async ({ ctx, input }) => {
      const v = await getRoutingVersion(ctx.db, input.version);
      if (!v) return null;
      return {
        version: v.version,
        createdBy: v.createdBy,
        createdAt: v.createdAt.toISOString(),
        note: v.note,
        source: v.source,
        config: JSON.stringify(v.config, null, 2),
      };
    }),

  /** The editor's check as you type: errors, warnings, and what would change. */
  check: viewerProcedure.input(z.object({ draft })).query(async ({ ctx, input }) => {
    const r = checkRoutingDraft(input.draft);
    if (!r.ok) return { ok: false as const, errors: r.errors };
    const current = await inForceConfig(ctx);
    return {
      ok: true as const,
      warnings: r.warnings,
      inForce: current.version,
      diff: formatRoutingDiff(diffRoutingConfigs(current.config, r.config)),
    };
  }),

  preview: viewerProcedure
    .input(
      z.object({
        draft,
        /** NDJSON or a JSON array; absent: the most recent events in PostgreSQL. */
        events: z.string().max(4_000).optional(),
        limit: z.number().int().min(1).max(MAX_PREVIEW_EVENTS).default(100),
      }),
    )
    .query(async ({ ctx, input }) => {
      const config = checked(input.draft);
      const current = await inForceConfig(ctx);
      const sample =
        input.events !== undefined && input.events.trim() !== ''
          ? parsePasted(input.events).slice(0, input.limit)
          : await recentEvents(ctx, input.limit).catch((err: unknown) => {
              throw unavailable('PostgreSQL (events)', err);
            });
      return {
        inForce: current.version,
        sample: input.events?.trim() ? ('pasted' as const) : ('recent' as const),
        ...previewRouting(sample, current.config, config),
      };
    }),

  publish: adminProcedure
    .input(z.object({ draft: z.string().max(200_000), note }))
    .mutation(async ({ ctx, input }) => {
      const config = checked(input.draft);
      return outcome(
        await publishRoutingVersion(ctx.db, config as unknown as Record<string, unknown>, {
          by: ctx.user.email,
          note: input.note || null,
          sourceIp: ctx.sourceIp,
          source: 'console',
        }),
      );
    }),

  rollback: adminProcedure
    .input(z.object({ version: z.number().int().positive().max(2_147_483_647), note }))
    .mutation(async ({ ctx, input }) =>
      outcome(
        await rollbackRouting(ctx.db, input.version, {
          by: ctx.user.email,
          note: input.note || null,
          sourceIp: ctx.sourceIp,
        }),
      ),
    ),
});
