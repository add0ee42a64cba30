// Migrations apply to a fresh database (here: a fresh schema) and again as a no-op.
import { runMigrations } from '@sluice/db';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';
import { MIGRATED_TABLES } from './migration-tables.ts';

const schema = uniqueName('it_migrate');
const client = new pg.Client({ connectionString: testEnv.databaseUrl });

afterAll(async () => {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await client.end();
});

describe('database migrations', () => {
  it('apply to an empty schema, then apply again as a no-op', async () => {
    await client.connect();
    const first = await runMigrations({ url: testEnv.databaseUrl, schema });
    expect(first.applied).toBeGreaterThanOrEqual(2);
    expect(first.applied).toBe(first.total);

    const tables = await client.query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(MIGRATED_TABLES);

    const second = await runMigrations({ url: testEnv.databaseUrl, schema });
    expect(second).toEqual({ applied: 0, total: first.total, timescale: first.timescale });
  });

  it('keys events by (event_time, event_id) so a replayed row is rejected, not duplicated', async () => {
    const row = `('2026-01-01T00:00:00Z', 'e1', 'pageview', 'u1', 's1')`;
    const insert = `INSERT INTO "${schema}".events (event_time, event_id, type, user_id, session_id) VALUES ${row}`;
    await client.query(insert);
    await client.query(`${insert} ON CONFLICT DO NOTHING`);
    const n = await client.query(`SELECT count(*)::int AS n FROM "${schema}".events`);
    expect(n.rows[0].n).toBe(1);
    await expect(client.query(insert)).rejects.toThrow(/duplicate key/);
  });
});
