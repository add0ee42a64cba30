// TimescaleDB is in no registry these machines reach, so its migration path is kept correct by
// construction and checked here without a server: every table the migration turns into a
// hypertable has its time column in every unique key (TimescaleDB refuses the conversion
// otherwise), and the migration only acts when the extension is both available and preloaded.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from './migrate.ts';

interface Snapshot {
  tables: Record<
    string,
    {
      name: string;
      columns: Record<string, unknown>;
      compositePrimaryKeys: Record<string, { columns: string[] }>;
      uniqueConstraints: Record<string, { columns: string[] }>;
      indexes: Record<string, { isUnique: boolean; columns: { expression: string }[] }>;
    }
  >;
}

const sql = readFileSync(join(migrationsFolder, '0001_timescale.sql'), 'utf8');
const latest = readdirSync(join(migrationsFolder, 'meta'))
  .filter((f) => f.endsWith('_snapshot.json'))
  .sort()
  .at(-1) as string;
const snapshot = JSON.parse(
  readFileSync(join(migrationsFolder, 'meta', latest), 'utf8'),
) as Snapshot;

const hypertables = [...sql.matchAll(/create_hypertable\('(\w+)', '(\w+)'/g)].map((m) => ({
  table: m[1] as string,
  column: m[2] as string,
}));

describe('TimescaleDB migration', () => {
  it('names the four time-keyed tables', () => {
    expect(hypertables.map((h) => h.table).sort()).toEqual([
      'events',
      'lag_samples',
      'sessions',
      'window_aggregates',
    ]);
  });

  it.each(hypertables)('$table: every unique key includes $column', ({ table, column }) => {
    const t = snapshot.tables[`public.${table}`];
    expect(t, `table ${table} in the schema snapshot`).toBeDefined();
    expect(Object.keys(t?.columns ?? {})).toContain(column);
    const keys = [
      ...Object.values(t?.compositePrimaryKeys ?? {}).map((k) => k.columns),
      ...Object.values(t?.uniqueConstraints ?? {}).map((k) => k.columns),
      ...Object.values(t?.indexes ?? {})
        .filter((i) => i.isUnique)
        .map((i) => i.columns.map((c) => c.expression)),
    ];
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toContain(column);
  });

  it('acts only when the extension is available and preloaded, and policies only on the Timescale License build', () => {
    const guard = sql.indexOf("FROM pg_available_extensions WHERE name = 'timescaledb'");
    const preload = sql.indexOf("position('timescaledb' in preload) = 0");
    const create = sql.indexOf('CREATE EXTENSION IF NOT EXISTS timescaledb');
    const license = sql.indexOf("current_setting('timescaledb.license', true)");
    const firstPolicy = sql.indexOf('add_retention_policy');
    expect(guard).toBeGreaterThan(0);
    expect(preload).toBeGreaterThan(guard);
    expect(create).toBeGreaterThan(preload);
    expect(license).toBeGreaterThan(create);
    expect(firstPolicy).toBeGreaterThan(license);
    // Idempotent on re-run: every call says if_not_exists.
    const calls = [...sql.matchAll(/PERFORM (create_hypertable|add_\w+_policy)\(/g)].length;
    expect([...sql.matchAll(/if_not_exists => TRUE/g)].length).toBe(calls);
  });
});
