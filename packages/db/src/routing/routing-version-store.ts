// The SQL of routing versions, shared by the storage writers, `sluice routing` and the console.
// Versions are numbered and never change; the version in force is the last publication row.
// Every change of it (publish, rollback, a worker's file imported) is written with its audit row
// in one transaction, under a table lock so two publishers cannot take the same number or both
// import the same file. Configs are validated by the caller (core's parseRoutingConfig); jsonb
// equality compares them whatever their key order.
import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { auditLog } from '../schema/audit-log.ts';
import { routingPublications, routingVersions } from '../schema/routing.ts';

export type RoutingSource = 'console' | 'cli' | 'file';

export interface RoutingVersionRow {
  version: number;
  config: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
  note: string | null;
  source: RoutingSource;
}

export interface RoutingInForce {
  version: number;
  config: Record<string, unknown>;
  /** Who made it the version in force, when, and how (publish, rollback, import). */
  by: string;
  at: Date;
  action: 'publish' | 'rollback' | 'import';
}

export type RoutingChange =
  | { ok: true; before: number | null; after: number }
  | { ok: false; reason: 'not-found' | 'unchanged'; message: string };

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
type Db = Database | Tx;

const v = routingVersions;
const p = routingPublications;

/** The version in force, or null before any was published (the storage writers' default). */
export async function routingInForce(db: Db): Promise<RoutingInForce | null> {
  const rows = await db
    .select({ version: p.version, by: p.by, at: p.at, action: p.action, config: v.config })
    .from(p)
    .innerJoin(v, eq(v.version, p.version))
    .orderBy(desc(p.id))
    .limit(1);
  const r = rows[0];
  return r ? { ...r, action: r.action as RoutingInForce['action'] } : null;
}

/** The version number in force alone: what the storage writers poll. */
export async function routingVersionInForce(db: Db): Promise<number | null> {
  const rows = await db.select({ version: p.version }).from(p).orderBy(desc(p.id)).limit(1);
  return rows[0]?.version ?? null;
}

export async function listRoutingVersions(db: Db, limit = 200): Promise<RoutingVersionRow[]> {
  const rows = await db.select().from(v).orderBy(desc(v.version)).limit(limit);
  return rows.map((r) => ({ ...r, source: r.source as RoutingSource }));
}

export async function getRoutingVersion(
  db: Db,
  version: number,
): Promise<RoutingVersionRow | null> {
  const rows = await db.select().from(v).where(eq(v.version, version));
  const r = rows[0];
  return r ? { ...r, source: r.source as RoutingSource } : null;
}

export interface RoutingActor {
  by: string;
  note?: string | null;
  sourceIp?: string | null;
}

async function locked<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // Serialises version numbers and imports; readers (the writers' poll) are not blocked.
    await tx.execute(sql`LOCK TABLE ${p} IN SHARE ROW EXCLUSIVE MODE`);
    return work(tx);
  });
}

async function record(
  tx: Tx,
  action: 'publish' | 'rollback' | 'import',
  who: RoutingActor,
  before: number | null,
  after: number,
  extra: Record<string, unknown> = {},
) {
  await tx.insert(p).values({
    version: after,
    previousVersion: before,
    action,
    by: who.by,
    note: who.note ?? null,
  });
  await tx.insert(auditLog).values({
    actor: who.by,
    action: `routing.${action}`,
    target: 'routing',
    affected: 1,
    sourceIp: who.sourceIp ?? null,
    details: { before, after, note: who.note ?? null, ...extra },
  });
}

async function insertVersion(
  tx: Tx,
  config: Record<string, unknown>,
  who: RoutingActor,
  source: RoutingSource,
): Promise<number> {
  const [next] = await tx
    .select({ n: sql<number>`coalesce(max(${v.version}), 0)::int + 1` })
    .from(v);
  const version = next?.n ?? 1;
  await tx.insert(v).values({ version, config, createdBy: who.by, note: who.note ?? null, source });
  return version;
}

/**
 * Saves a validated config as the next version and puts it in force. A config equal to the one
 * in force is refused (`unchanged`): it would only renumber the same rules.
 */
export async function publishRoutingVersion(
  db: Database,
  config: Record<string, unknown>,
  who: RoutingActor & { source: Exclude<RoutingSource, 'file'> },
): Promise<RoutingChange> {
  return locked(db, async (tx) => {
    const current = await routingInForce(tx);
    if (current && (await sameConfig(tx, current.version, config)))
      return {
        ok: false,
        reason: 'unchanged',
        message: `the rules are those of version ${current.version}, already in force`,
      };
    const after = await insertVersion(tx, config, who, who.source);
    await record(tx, 'publish', who, current?.version ?? null, after);
    return { ok: true, before: current?.version ?? null, after };
  });
}

/**
 * Puts an earlier version back in force; no version is written. Rolling back to the version in
 * force is recorded too (it changes nothing the writers run); the CLI and the console do not
 * offer it.
 */
export async function rollbackRouting(
  db: Database,
  version: number,
  who: RoutingActor,
): Promise<RoutingChange> {
  return locked(db, async (tx) => {
    if (!(await getRoutingVersion(tx, version)))
      return { ok: false, reason: 'not-found', message: `there is no routing version ${version}` };
    const current = await routingVersionInForce(tx);
    await record(tx, 'rollback', who, current, version);
    return { ok: true, before: current, after: version };
  });
}

export type RoutingImport =
  | { imported: true; before: number | null; after: number }
  | { imported: false; version: number; why: 'in-force' | 'imported-before' };

/**
 * A storage writer's routing file (STORAGE_ROUTING_CONFIG), imported as a version when it
 * differs from the one in force. A file imported before and since replaced (published or rolled
 * back from the console or the CLI) is not imported again: a writer restarting with the same
 * file must not undo that change.
 */
export async function importRoutingFile(
  db: Database,
  config: Record<string, unknown>,
  who: RoutingActor,
): Promise<RoutingImport> {
  return locked(db, async (tx) => {
    const current = await routingVersionInForce(tx);
    if (current !== null && (await sameConfig(tx, current, config)))
      return { imported: false, version: current, why: 'in-force' };
    const earlier = await tx
      .select({ version: v.version })
      .from(v)
      .where(sql`${v.source} = 'file' AND ${v.config} = ${JSON.stringify(config)}::jsonb`)
      .orderBy(desc(v.version))
      .limit(1);
    if (earlier[0]) return { imported: false, version: earlier[0].version, why: 'imported-before' };
    const after = await insertVersion(tx, config, who, 'file');
    await record(tx, 'import', who, current, after);
    return { imported: true, before: current, after };
  });
}

async function sameConfig(db: Db, version: number, config: Record<string, unknown>) {
  const rows = await db
    .select({ same: sql<boolean>`${v.config} = ${JSON.stringify(config)}::jsonb` })
    .from(v)
    .where(eq(v.version, version));
  return rows[0]?.same === true;
}
