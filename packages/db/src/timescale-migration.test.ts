// TimescaleDB is in no registry these machines reach, so its migration path is kept correct by
// construction and checked here without a server: every table the migration turns into a
// hypertable has its time column in every unique key (TimescaleDB refuses the conversion
// otherwise); the migration reads no setting that needs superuser rights; extensions are created
// in a fixed schema and their functions and operator classes are named with the extension's
// schema, so per-suite schemas (DATABASE_SCHEMA) share one extension.
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

const migrations = readdirSync(migrationsFolder)
  .filter((f) => f.endsWith('.sql'))
  .sort()
  .map((file) => ({
    file,
    // Comments may name anything; the checks below read the SQL that runs.
    text: readFileSync(join(migrationsFolder, file), 'utf8').replace(/--[^\n]*/g, ''),
  }));

const hypertables = [...sql.matchAll(/create_hypertable\([^\n]*\n\s*ts, '(\w+)', '(\w+)'/g)].map(
  (m) => ({
    table: m[1] as string,
    column: m[2] as string,
  }),
);

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

  it('reads no setting that needs superuser rights or pg_read_all_settings', () => {
    for (const { file, text } of migrations) {
      const settings = [...text.matchAll(/current_setting\('([\w.]+)'/g)].map((m) => m[1]);
      expect(settings, file).toEqual(settings.filter((s) => s === 'timescaledb.license'));
      expect(text, file).not.toMatch(/shared_preload_libraries|pg_settings|SHOW /i);
    }
  });

  it('uses an existing extension, else creates it in public, and policies only on the Timescale License build', () => {
    const existing = sql.indexOf("FROM pg_extension WHERE extname = 'timescaledb'");
    const guard = sql.indexOf("FROM pg_available_extensions WHERE name = 'timescaledb'");
    const create = sql.indexOf('CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public;');
    const recheck = sql.indexOf("FROM pg_extension WHERE extname = 'timescaledb'", create);
    const firstHypertable = sql.indexOf('create_hypertable');
    const license = sql.indexOf("current_setting('timescaledb.license', true)");
    const firstPolicy = sql.indexOf('add_retention_policy');
    expect(existing).toBeGreaterThan(0);
    expect(guard).toBeGreaterThan(existing);
    expect(create).toBeGreaterThan(guard);
    expect(recheck).toBeGreaterThan(create);
    expect(firstHypertable).toBeGreaterThan(recheck);
    expect(license).toBeGreaterThan(firstHypertable);
    expect(firstPolicy).toBeGreaterThan(license);
    // Idempotent on re-run: every call says if_not_exists.
    const calls = [...sql.matchAll(/\.(create_hypertable|add_\w+_policy)\(/g)].length;
    expect(calls).toBe(11);
    expect([...sql.matchAll(/if_not_exists => TRUE/g)].length).toBe(calls);
  });

  it('creates every extension in a fixed schema, never the migration schema', () => {
    const creates = migrations.flatMap(({ file, text }) =>
      [...text.matchAll(/CREATE EXTENSION[^;]*;/g)].map((m) => ({ file, stmt: m[0] })),
    );
    expect(creates.map((c) => c.file)).toEqual(['0001_timescale.sql', '0003_dlq_index.sql']);
    for (const { file, stmt } of creates) expect(stmt, file).toMatch(/ WITH SCHEMA public;$/);
  });

  it("names TimescaleDB's functions and pg_trgm's operator class with the extension's schema", () => {
    const fn =
      /(\S*?)\b(create_hypertable|add_\w+_policy|remove_\w+_policy|decompress_chunk|show_chunks|gin_trgm_ops)\b/g;
    let uses = 0;
    for (const { file, text } of migrations) {
      for (const m of text.matchAll(fn)) {
        uses++;
        expect(m[1], `${file}: ${m[0]}`).toMatch(/%(1\$)?[sI]\.$/);
      }
    }
    expect(uses).toBe(11 + 4 + 2);
  });
});
