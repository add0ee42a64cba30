// `sluice routing`: the storage routing rules as numbered versions in PostgreSQL, as the console
// manages them: list, show, diff, validate a file, preview it on events, publish it, roll back. Validation and
// preview come from core, the SQL (with its audit row) from @sluice/db: the console's own path.
// The storage writers switch to a published version within a couple of seconds, between batches.
import { createReadStream, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
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
  createDb,
  type Database,
  getRoutingVersion,
  listRoutingVersions,
  publishRoutingVersion,
  type RoutingChange,
  rollbackRouting,
  routingInForce,
  routingVersionInForce,
} from '@sluice/db';
import type { Command } from 'commander';
import { ConfigError, loadEnv } from '../env.ts';
import { UsageError } from '../usage-error.ts';

const defaultActor = () => `cli:${userInfo().username}`;

async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const db = createDb({
    url: env.DATABASE_URL,
    ...(env.DATABASE_SCHEMA ? { searchPath: env.DATABASE_SCHEMA } : {}),
    maxConnections: 1,
  });
  try {
    return await work(db);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause ?? err;
    if ((cause as { code?: string }).code === '42P01')
      throw new ConfigError('the routing tables are missing: run `sluice migrate` first');
    throw err;
  } finally {
    await db.$client.end();
  }
}

function versionArg(text: string, what = 'version'): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${what} "${text}": not a version number`);
  return n;
}

async function configOf(db: Database, version: number): Promise<RoutingConfig> {
  const row = await getRoutingVersion(db, version);
  if (!row) throw new UsageError(`there is no routing version ${version}`);
  const r = parseRoutingConfig(row.config);
  if (!r.ok) throw new Error(`routing version ${version} is invalid: ${r.errors.join('; ')}`);
  return r.config;
}

/** Reads and checks a rules file: errors name the file and each bad key. */
function readDraft(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  return checkRoutingDraft(text);
}

function changed(r: RoutingChange, verb: string): string {
  if (!r.ok) throw new UsageError(r.message);
  return `${verb} version ${r.after} (was ${r.before ?? 'none'}); the storage writers switch to it between batches within a few seconds\n`;
}

export function registerRoutingCommands(program: Command): void {
  const routing = program
    .command('routing')
    .description(
      'storage routing rules as numbered versions: list, show, diff, validate, publish, rollback',
    );

  routing
    .command('list')
    .description('every version, newest first, and which is in force')
    .option('--json', 'one JSON object per version')
    .action((o: { json?: boolean }) =>
      withDb(async (db) => {
        const [rows, inForce] = await Promise.all([listRoutingVersions(db), routingInForce(db)]);
        for (const v of rows) {
          const row = {
            version: v.version,
            in_force: v.version === inForce?.version,
            created_by: v.createdBy,
            created_at: v.createdAt.toISOString(),
            source: v.source,
            note: v.note,
          };
          process.stdout.write(
            o.json
              ? `${JSON.stringify(row)}\n`
              : `${row.in_force ? '*' : ' '} ${String(v.version).padStart(4)}  ${row.created_at}  ${v.createdBy} (${v.source})${v.note ? `  ${v.note}` : ''}\n`,
          );
        }
        if (!o.json && rows.length === 0) process.stdout.write('no routing versions yet\n');
      }),
    );

  routing
    .command('show [version]')
    .description('the rules of a version as JSON (default: the version in force)')
    .action((version: string | undefined) =>
      withDb(async (db) => {
        const n = version === undefined ? (await routingInForce(db))?.version : versionArg(version);
        if (n === undefined) throw new UsageError('no routing version is in force yet');
        process.stdout.write(`${JSON.stringify(await configOf(db, n), null, 2)}\n`);
      }),
    );

  routing
    .command('diff <a> <b>')
    .description('what changes from version A to version B, rule by rule')
    .action((a: string, b: string) =>
      withDb(async (db) => {
        const d = diffRoutingConfigs(
          await configOf(db, versionArg(a, 'A')),
          await configOf(db, versionArg(b, 'B')),
        );
        process.stdout.write(`${formatRoutingDiff(d).join('\n')}\n`);
      }),
    );

  routing
    .command('validate <file>')
    .description(
      'check a rules file: errors name the key; warnings for unreachable rules and types routed nowhere',
    )
    .action(async (file: string) => {
      const r = readDraft(file);
      if (!r.ok) throw new UsageError(`${file} is invalid:\n  ${r.errors.join('\n  ')}`);
      for (const w of r.warnings) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
      process.stdout.write(`${file}: valid (${r.config.rules.length} rules)\n`);
    });

  routing
    .command('preview <file>')
    .description(
      'route NDJSON events (stdin or --events) by a rules file beside the version in force: one line per event, then the totals',
    )
    .option('--events <ndjson>', 'the events (default: stdin)')
    .option('--changed', 'print only the events the file routes differently')
    .action(async (file: string, o: { events?: string; changed?: boolean }) => {
      const r = readDraft(file);
      if (!r.ok) throw new UsageError(`${file} is invalid:\n  ${r.errors.join('\n  ')}`);
      const events: Record<string, unknown>[] = [];
      let line = 0;
      const input = o.events ? createReadStream(o.events) : process.stdin;
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        line++;
        if (text.trim() === '') continue;
        let event: unknown;
        try {
          event = JSON.parse(text);
        } catch {
          throw new UsageError(`${o.events ?? 'stdin'} line ${line}: not JSON`);
        }
        if (event === null || typeof event !== 'object' || Array.isArray(event))
          throw new UsageError(`${o.events ?? 'stdin'} line ${line}: not a JSON object`);
        events.push(event as Record<string, unknown>);
      }
      await withDb(async (db) => {
        const current = await routingInForce(db);
        const inForce = current ? await configOf(db, current.version) : DEFAULT_ROUTING;
        const p = previewRouting(events, inForce, r.config);
        for (const e of p.events)
          if (!o.changed || e.changed) process.stdout.write(`${JSON.stringify(e)}\n`);
        process.stdout.write(
          `${JSON.stringify({ in_force: current?.version ?? null, totals: p.totals })}\n`,
        );
      });
    });

  routing
    .command('publish <file>')
    .description('save a rules file as the next version and put it in force')
    .option('--note <text>', 'why, for the version list and the audit log')
    .option('--as <actor>', 'who is publishing, for the record', defaultActor())
    .action((file: string, o: { note?: string; as: string }) => {
      const r = readDraft(file);
      if (!r.ok) throw new UsageError(`${file} is invalid:\n  ${r.errors.join('\n  ')}`);
      for (const w of r.warnings) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
      return withDb(async (db) => {
        const config = r.config as unknown as Record<string, unknown>;
        const result = await publishRoutingVersion(db, config, {
          by: o.as,
          note: o.note ?? null,
          source: 'cli',
        });
        process.stdout.write(changed(result, 'published'));
      });
    });

  routing
    .command('rollback <version>')
    .description('put an earlier version back in force')
    .option('--note <text>', 'why, for the audit log')
    .option('--as <actor>', 'who is rolling back, for the record', defaultActor())
    .action((version: string, o: { note?: string; as: string }) => {
      const n = versionArg(version);
      return withDb(async (db) => {
        if ((await routingVersionInForce(db)) === n)
          throw new UsageError(`version ${n} is already in force`);
        process.stdout.write(
          changed(
            await rollbackRouting(db, n, { by: o.as, note: o.note ?? null }),
            'rolled back to',
          ),
        );
      });
    });
}
