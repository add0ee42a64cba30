import { DrizzleQueryError } from 'drizzle-orm/errors';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from './migrate.ts';
import {
  describeMigrationFailure,
  MigrationError,
  migrationFailureOf,
  migrationStatements,
} from './migration-error.ts';

function serverError(fields: Partial<pg.DatabaseError>): pg.DatabaseError {
  const e = new pg.DatabaseError(fields.message ?? 'failed', 0, 'error');
  return Object.assign(e, fields);
}

const files = migrationStatements(migrationsFolder);

describe('migration failures', () => {
  it('reads every migration of the journal, split as drizzle runs it', () => {
    expect(files.map((f) => f.file).slice(0, 2)).toEqual(['0000_init.sql', '0001_timescale.sql']);
    expect(files.every((f) => f.statements.length > 0)).toBe(true);
  });

  it("names the file whose statement failed and keeps PostgreSQL's message, code, detail and hint", () => {
    const stmt = files.find((f) => f.file === '0003_dlq_index.sql')?.statements[1] as string;
    const cause = serverError({
      message: 'permission denied for schema s',
      code: '42501',
      detail: 'some\n  detail',
      hint: 'ask the owner',
    });
    const f = migrationFailureOf(new DrizzleQueryError(stmt, [], cause), files);
    expect(f).toEqual({
      file: '0003_dlq_index.sql',
      message: 'permission denied for schema s',
      code: '42501',
      detail: 'some\n  detail',
      hint: 'ask the owner',
    });
    const line = describeMigrationFailure(f);
    expect(line).toBe(
      'migration 0003_dlq_index.sql failed: permission denied for schema s (SQLSTATE 42501); detail: some detail; hint: ask the owner',
    );
    expect(line).not.toContain('CREATE TABLE');
  });

  it('says migrations could not start when the failure is outside any migration file', () => {
    const f = migrationFailureOf(
      serverError({ message: 'permission denied for database d', code: '42501' }),
      files,
    );
    expect(f.file).toBeUndefined();
    expect(new MigrationError(f, null).message).toBe(
      'migrations could not start: permission denied for database d (SQLSTATE 42501)',
    );
  });

  it('keeps the message of an error that did not come from the server', () => {
    const f = migrationFailureOf(new Error('connection terminated'), files);
    expect(f).toMatchObject({ file: undefined, message: 'connection terminated', code: undefined });
  });
});
