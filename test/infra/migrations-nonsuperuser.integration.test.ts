// Migrations as a managed database's owner role: not a superuser, owner of its database, no
// pg_read_all_settings. The suite creates such a role and a database of its own with the local
// superuser, runs every migration as that role, and drops both afterwards. It also runs the real
// `sluice migrate` where the role may not create in the schema: one line naming the migration
// and PostgreSQL's reason, exit code 1.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsFolder, runMigrations } from '@sluice/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';
import { runSluice } from '../support/sluice-cli.ts';
import { MIGRATED_TABLES } from './migration-tables.ts';

const database = uniqueName('sluice_nonsuper');
const role = uniqueName('sluice_app');
const password = randomBytes(12).toString('hex');
const journalEntries = (
  JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

/** A URL for `db` on the test server, as `user` when given. */
function urlFor(db: string, user?: { name: string; password: string }): string {
  const u = new URL(testEnv.databaseUrl);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}
const appUrl = urlFor(database, { name: role, password });

const admin = new pg.Client({ connectionString: testEnv.databaseUrl });
let adminInDb: pg.Client | undefined;
let app: pg.Client | undefined;

beforeAll(async () => {
  await admin.connect();
  await admin.query(
    `CREATE ROLE "${role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`,
  );
  await admin.query(`CREATE DATABASE "${database}" OWNER "${role}"`);
  adminInDb = new pg.Client({ connectionString: urlFor(database) });
  await adminInDb.connect();
  app = new pg.Client({ connectionString: appUrl });
  await app.connect();
});

afterAll(async () => {
  await app?.end();
  await adminInDb?.end();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  await admin.end();
});

async function tablesIn(schema: string): Promise<string[]> {
  const r = await (app as pg.Client).query(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
    [schema],
  );
  return r.rows.map((row) => row.table_name);
}

describe('migrations as a role that is not a superuser', () => {
  it('the role is what a managed service gives: no superuser, no privileged settings', async () => {
    const r = await (app as pg.Client).query(
      'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    expect(r.rows[0].rolsuper).toBe(false);
    await expect(
      (app as pg.Client).query("SELECT current_setting('shared_preload_libraries')"),
    ).rejects.toThrow(/must be superuser or have privileges of pg_read_all_settings/);
  });

  it('apply every migration to a fresh schema, then none on a second run; the storage tables exist', async () => {
    const schema = 'app_first';
    const first = await runMigrations({ url: appUrl, schema });
    expect(first).toEqual({ applied: journalEntries, total: journalEntries, timescale: false });
    expect(await tablesIn(schema)).toEqual(MIGRATED_TABLES);
    const second = await runMigrations({ url: appUrl, schema });
    expect(second).toEqual({ applied: 0, total: journalEntries, timescale: false });
  });

  it('pg_trgm (a trusted extension) lands in public, and a second schema shares it', async () => {
    const schema = 'app_second';
    const r = await runMigrations({ url: appUrl, schema });
    expect(r.applied).toBe(journalEntries);
    const ext = await (app as pg.Client).query(
      "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_trgm'",
    );
    expect(ext.rows).toEqual([{ schema: 'public' }]);
    const idx = await (app as pg.Client).query(
      `SELECT schemaname, indexname FROM pg_indexes WHERE indexname LIKE '%trgm%' ORDER BY 1, 2`,
    );
    expect(idx.rows).toEqual(
      ['app_first', 'app_second'].flatMap((s) => [
        { schemaname: s, indexname: 'dlq_entries_message_trgm_idx' },
        { schemaname: s, indexname: 'dlq_entries_payload_trgm_idx' },
      ]),
    );
  });

  it('sluice migrate names the failed migration and PostgreSQL reason in one line, exit code 1', async () => {
    // A schema the role may use but not create in (the superuser owns it).
    const schema = 'locked';
    await (adminInDb as pg.Client).query(`CREATE SCHEMA ${schema}`);
    await (adminInDb as pg.Client).query(`GRANT USAGE ON SCHEMA ${schema} TO "${role}"`);

    const run = await runSluice(['migrate', '--schema', schema], {
      ...process.env,
      DATABASE_URL: appUrl,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      `sluice migrate: migration 0000_init.sql failed: permission denied for schema ${schema} (SQLSTATE 42501); none of the pending migrations was applied`,
    ]);
    expect(await tablesIn(schema)).toEqual([]);
  });
});
