// Migration 0004 on a database that already holds window aggregates (plain PostgreSQL, as here):
// the rows stored before it are partials and become correction 0, none is lost, and afterwards a
// window holds its partial and its corrections side by side, each once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsFolder } from '@sluice/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';

const schema = uniqueName('it_wa_migration');
const db = new pg.Client({ connectionString: testEnv.databaseUrl });

/** A migration file's statements, run in this suite's schema as runMigrations runs them. */
async function apply(file: string) {
  const text = readFileSync(join(migrationsFolder, file), 'utf8');
  for (const statement of text.split('--> statement-breakpoint'))
    if (statement.trim()) await db.query(statement);
}

const migrations = readdirSync(migrationsFolder)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort();

/** One row of the window 1m 10:00 pageview; without a correction, as written before 0004. */
const insert = (partition: number, correction: number | null, count: number, lateDropped: number) =>
  db.query(
    `INSERT INTO window_aggregates (window_start, window_size, type, dimensions,
       source_partition, ${correction === null ? '' : 'correction, '}count, late_dropped,
       unique_users_sketch, unique_users_estimate)
     VALUES ('2026-01-01T10:00:00Z', '1m', 'pageview', '', $1, ${correction === null ? '' : '$4, '}$2,
       $3, '\\x0200', 0)`,
    correction === null
      ? [partition, count, lateDropped]
      : [partition, count, lateDropped, correction],
  );

beforeAll(async () => {
  await db.connect();
  await db.query(`CREATE SCHEMA "${schema}"`);
  await db.query(`SET search_path TO "${schema}"`);
});
afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
});

describe('migration 0004 over stored window aggregates', () => {
  it('keeps every stored partial as correction 0 and then stores corrections beside them', async () => {
    const before = migrations.filter((f) => f < '0004');
    expect(before).toEqual([
      '0000_init.sql',
      '0001_timescale.sql',
      '0002_auth.sql',
      '0003_dlq_index.sql',
    ]);
    for (const f of before) await apply(f);
    // Two partials of one window, as the storage writers stored them before corrections.
    await insert(0, null, 10, 1);
    await insert(1, null, 11, 1);

    await apply('0004_window_corrections.sql');

    const rows = async () =>
      (
        await db.query(
          `SELECT source_partition, correction, count::int, late_dropped::int
             FROM window_aggregates ORDER BY source_partition, correction`,
        )
      ).rows.map((r) => [r.source_partition, r.correction, r.count, r.late_dropped]);
    expect(await rows()).toEqual([
      [0, 0, 10, 1],
      [1, 0, 11, 1],
    ]);

    // A correction for partition 0 is a row of its own; the same correction again conflicts
    // with it (the writers' upsert rewrites it), and so does a partial stored without a number.
    await insert(0, 1, 0, 5);
    await expect(insert(0, 1, 0, 5)).rejects.toThrow(/duplicate key/);
    await expect(insert(1, null, 3, 0)).rejects.toThrow(/duplicate key/);
    expect(await rows()).toEqual([
      [0, 0, 10, 1],
      [0, 1, 0, 5],
      [1, 0, 11, 1],
    ]);
  });
});
