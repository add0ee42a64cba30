// For tests of the console's API as a browser reaches it: the tRPC fetch adapter (as the route
// handler wires it) over the router harness's schema, a signed-in user of each role with a real
// Better Auth session cookie, requests that say (or do not say) where they come from, every
// procedure of the router with the input schema it declares, and a fingerprint of everything a
// call could change, to show that a refused call changed nothing.
import { activeSession, createUser, ROLES, type Role } from '@sluice/auth';
import { auditLog } from '@sluice/db';
import {
  createKafka,
  createOffsetResetClient,
  createProducer,
  createStageControlClient,
  ensureTopics,
  readGroupOffsets,
} from '@sluice/kafka';
import { testEnv, uniqueName } from '@sluice/test/env.ts';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { gt, sql } from 'drizzle-orm';
import { createRealtimeReader } from '../realtime-reader.ts';
import { appRouter } from '../root.ts';
import {
  createRouterHarness,
  unreachableKafka,
  unreachableTopics,
} from '../router-test-harness.ts';
import { createThroughputSampler } from '../throughput-sampler.ts';
import { createContextInner } from '../trpc.ts';
import { requestOriginFrom } from './csrf.ts';

/** The harness auth's base URL: the console's own origin in these tests. */
export const TRUSTED_ORIGIN = 'http://127.0.0.1:3999';

export interface Procedure {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The input schema's field names (empty for a procedure without input). */
  fields: string[];
  takesInput: boolean;
}

interface ZodLike {
  _zod?: { def: { type: string; innerType?: ZodLike; in?: ZodLike } };
  shape?: Record<string, unknown>;
}

function fieldsOf(schema: ZodLike | undefined): string[] {
  let s = schema;
  while (s?._zod && ['default', 'optional', 'nullable', 'pipe'].includes(s._zod.def.type)) {
    s = s._zod.def.innerType ?? s._zod.def.in;
  }
  return s?.shape ? Object.keys(s.shape) : [];
}

/** Every procedure of the console's router, read from the router itself. */
export function routerProcedures(): Procedure[] {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: Procedure['type']; inputs: ZodLike[] } }
  >;
  return Object.entries(procedures)
    .map(([path, p]) => ({
      path,
      type: p._def.type,
      fields: fieldsOf(p._def.inputs[0]),
      takesInput: p._def.inputs.length > 0,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export interface CallOptions {
  /** Signed in with this role's session cookie; null or omitted: no cookie. */
  as?: Role | null;
  /** A Cookie header of the test's own making (a forged session, say) instead of `as`. */
  cookie?: string;
  input?: unknown;
  /** Sent as the body (or the `input` query parameter) instead of JSON.stringify(input). */
  rawInput?: string;
  /** Defaults to what a browser sends on the console's own page: POST with our Origin. */
  origin?: string | null;
  fetchSite?: string | null;
  method?: 'GET' | 'POST';
  /** A batch of calls: `path` is then "a,b" and `input` the `{ "0": ..., "1": ... }` record. */
  batch?: boolean;
}

export async function createHttpHarness() {
  // The pipeline runs under a prefix of the harness's own: the control channel and the
  // enrichment stage's input are real topics of its own, and its group's offsets real. A stage
  // state and a group's offsets are things a call can change, so the fingerprint reads them too.
  const prefix = `${uniqueName('http').replaceAll('_', '-')}.`;
  const h = await createRouterHarness(unreachableKafka, { pipeline: { topicPrefix: prefix } });
  const brokers = testEnv.kafkaBrokers.split(',');
  const kafka = createKafka({ brokers, clientId: 'http-harness' });
  const { topics, groups } = h.pipeline.names;
  const controlTopic = topics.control;
  await ensureTopics(kafka, [
    {
      topic: controlTopic,
      numPartitions: 1,
      replicationFactor: -1,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
    { topic: topics.raw, numPartitions: 1, replicationFactor: -1, configEntries: [] },
  ]);
  // Three records: a reset may move partition 0 to offset 0, 1, 2 or 3.
  const producer = createProducer(kafka);
  await producer.connect();
  await producer.send({
    topic: topics.raw,
    messages: ['a', 'b', 'c'].map((v) => ({ key: v, value: v })),
  });
  await producer.disconnect();
  const controls = createStageControlClient({
    brokers,
    clientId: 'http-harness',
    topic: controlTopic,
  });
  const deps = {
    db: h.db,
    auth: h.auth,
    kafka: unreachableKafka,
    controls,
    offsets: createOffsetResetClient(brokers),
    // Record reads change nothing; a broker that is down keeps the suites fast (503s).
    topics: unreachableTopics,
    throughput: createThroughputSampler(),
    realtime: createRealtimeReader(h.redis, h.redisPrefix),
    pipeline: h.pipeline,
  };

  const users = {} as Record<Role, { email: string; password: string; cookie: string }>;
  for (const role of ROLES) {
    const email = `${role}@http.test`;
    const password = `${role}-password-for-tests`;
    await createUser(h.auth, { email, password, role });
    const res = await h.auth.api.signInEmail({ body: { email, password }, asResponse: true });
    const cookie = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('better-auth.session_token='))
      ?.split(';')[0];
    if (!cookie) throw new Error(`no session cookie for ${email}`);
    users[role] = { email, password, cookie };
  }

  async function contextFor(req: Request) {
    // As session.ts does for the console: the session from the cookie, checked in PostgreSQL.
    const session = await activeSession(h.auth, req.headers);
    const user = session
      ? {
          id: session.user.id,
          email: session.user.email,
          name: session.user.name,
          role: typeof session.user.role === 'string' ? session.user.role : '',
        }
      : null;
    return createContextInner({
      ...deps,
      user,
      sourceIp: '203.0.113.7',
      request: requestOriginFrom(req.headers),
      trustedOrigins: [TRUSTED_ORIGIN],
    });
  }

  async function call(path: string, o: CallOptions = {}) {
    const method = o.method ?? 'POST';
    const headers = new Headers({ 'content-type': 'application/json' });
    if (o.as) headers.set('cookie', users[o.as].cookie);
    if (o.cookie) headers.set('cookie', o.cookie);
    const origin = o.origin === undefined ? (method === 'POST' ? TRUSTED_ORIGIN : null) : o.origin;
    if (origin !== null) headers.set('origin', origin);
    const fetchSite = o.fetchSite === undefined ? 'same-origin' : o.fetchSite;
    if (fetchSite !== null) headers.set('sec-fetch-site', fetchSite);
    const body = o.rawInput ?? (o.input === undefined ? undefined : JSON.stringify(o.input));
    const url = new URL(`${TRUSTED_ORIGIN}/api/trpc/${path}`);
    if (o.batch) url.searchParams.set('batch', '1');
    if (method === 'GET' && body !== undefined) url.searchParams.set('input', body);
    const req = new Request(url, {
      method,
      headers,
      ...(method === 'POST' ? { body: body ?? '' } : {}),
    });
    const res = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: () => contextFor(req),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  /** Every table but the audit log (refusals add to it), row by row, and the Redis keys. */
  async function fingerprint(): Promise<Record<string, string>> {
    const tables = await h.db.execute<{ table_name: string }>(sql`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = ${h.schema} AND table_type = 'BASE TABLE' AND table_name <> 'audit_log'
      ORDER BY table_name`);
    const out: Record<string, string> = {};
    for (const { table_name } of tables.rows) {
      const r = await h.db.execute<{ n: number; digest: string | null }>(sql`
        SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest
        FROM ${sql.identifier(h.schema)}.${sql.identifier(table_name)} t`);
      out[table_name] = `${r.rows[0]?.n}:${r.rows[0]?.digest ?? ''}`;
    }
    out['redis keys'] = (await h.redis.keys(`${h.redisPrefix}*`)).sort().join(',');
    out['stage controls'] = JSON.stringify([...(await controls.list())].sort());
    out['enrichment offsets'] = await enrichmentOffsets();
    return out;
  }

  /** The enrichment group's committed offsets on its input, as "partition:offset" pairs. */
  async function enrichmentOffsets(): Promise<string> {
    const parts = await readGroupOffsets(kafka, groups.enrichment, [topics.raw], {
      kind: 'latest',
    });
    return parts
      .filter((p) => p.committed !== null)
      .map((p) => `${p.partition}:${p.committed}`)
      .join(',');
  }

  async function lastAuditId(): Promise<number> {
    const r = await h.db.execute<{ id: string | null }>(sql`SELECT max(id) AS id FROM audit_log`);
    return Number(r.rows[0]?.id ?? 0);
  }

  async function auditSince(id: number) {
    return h.db.select().from(auditLog).where(gt(auditLog.id, id)).orderBy(auditLog.id);
  }

  async function close() {
    await controls.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [controlTopic, topics.raw] }).catch(() => {});
    await admin.deleteGroups([groups.enrichment]).catch(() => {});
    await admin.disconnect();
    await h.close();
  }

  return { h, users, controls, call, fingerprint, lastAuditId, auditSince, close };
}

export type HttpHarness = Awaited<ReturnType<typeof createHttpHarness>>;
