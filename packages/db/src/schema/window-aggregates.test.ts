// Migration 0004 (late-drop corrections get rows of their own) on TimescaleDB, checked without a
// server as timescale-migration.test.ts checks 0001: no registry these machines reach has
// TimescaleDB. On plain PostgreSQL the migration runs in test/infra and test/storage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from '../migrate.ts';

const sql = readFileSync(join(migrationsFolder, '0004_window_corrections.sql'), 'utf8');
const code = sql.replace(/^--.*$/gm, '');
const timescale = readFileSync(join(migrationsFolder, '0001_timescale.sql'), 'utf8');
const snapshot = JSON.parse(
  readFileSync(join(migrationsFolder, 'meta', '0004_snapshot.json'), 'utf8'),
) as {
  tables: Record<string, { compositePrimaryKeys: Record<string, { columns: string[] }> }>;
};

const at = (text: string) => {
  const i = code.indexOf(text);
  expect(i, text).toBeGreaterThan(0);
  return i;
};

describe('migration 0004: window_aggregates keyed by correction', () => {
  it('keys a row by its window, source partition and correction, time column first', () => {
    expect(
      snapshot.tables['public.window_aggregates']?.compositePrimaryKeys.window_aggregates_pkey,
    ).toEqual({
      name: 'window_aggregates_pkey',
      columns: [
        'window_start',
        'window_size',
        'type',
        'dimensions',
        'source_partition',
        'correction',
      ],
    });
    expect(code).toContain(
      'PRIMARY KEY (window_start, window_size, type, dimensions, source_partition, correction)',
    );
    expect(code).toContain('ADD COLUMN correction integer DEFAULT 0 NOT NULL');
  });

  it('turns compression off around the new key only where TimescaleDB compresses the table', () => {
    const guard = at("WHERE extname = 'timescaledb'");
    const enabled = at('IF compressed THEN');
    const removePolicy = at('remove_compression_policy');
    const decompress = at('decompress_chunk(c, if_compressed => TRUE)');
    const off = at('SET (timescaledb.compress = false)');
    const key = at('ADD CONSTRAINT window_aggregates_pkey');
    const on = at('SET (timescaledb.compress, ');
    const policy = at('add_compression_policy');
    expect([guard, enabled, removePolicy, decompress, off, key, on, policy]).toEqual(
      [guard, enabled, removePolicy, decompress, off, key, on, policy].sort((a, b) => a - b),
    );
    // Every TimescaleDB call and setting sits in one of the two `IF compressed` branches.
    const branches = [...code.matchAll(/IF compressed THEN([\s\S]*?)\n {2}END IF;/g)].map(
      (m) => m[1] as string,
    );
    expect(branches).toHaveLength(2);
    const outside = branches.reduce((rest, b) => rest.replace(b, ''), code);
    expect(outside).not.toMatch(/timescaledb\.compress|_policy|decompress_chunk|show_chunks/);
    // And the calls name the extension's schema, which the search_path need not hold.
    for (const f of ['remove_compression_policy', 'decompress_chunk', 'show_chunks'])
      expect(code, f).toMatch(new RegExp(`%(1\\$)?s\\.${f}\\(`));
    expect(code).toMatch(/%s\.add_compression_policy\(/);
  });

  it('turns compression on again with the settings 0001 gave it', () => {
    const segmentby =
      /window_aggregates SET \(timescaledb\.compress, timescaledb\.compress_segmentby = ''([^']*)''\)/;
    const given = timescale.match(segmentby)?.[1];
    expect(given).toBeDefined();
    expect(code).toContain(`timescaledb.compress_segmentby = '${given}'`);
  });
});
