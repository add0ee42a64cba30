// A failed migration, told the way PostgreSQL told it: which migration file, and the server's
// own message, SQLSTATE code, detail and hint. Drizzle wraps the server's error in one whose
// message is the whole SQL of the statement, which hides the reason an operator needs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface MigrationFailure {
  /** The migration file whose statement failed; undefined when it failed before any migration ran. */
  file: string | undefined;
  message: string;
  code: string | undefined;
  detail: string | undefined;
  hint: string | undefined;
}

export class MigrationError extends Error {
  readonly failure: MigrationFailure;
  constructor(failure: MigrationFailure, cause: unknown) {
    super(describeMigrationFailure(failure), { cause });
    this.name = 'MigrationError';
    this.failure = failure;
  }
}

/** One line: `0001_timescale.sql failed: <message> (SQLSTATE 42501); detail: …; hint: …`. */
export function describeMigrationFailure(f: MigrationFailure): string {
  const where = f.file ? `migration ${f.file} failed` : 'migrations could not start';
  const parts = [`${where}: ${oneLine(f.message)}${f.code ? ` (SQLSTATE ${f.code})` : ''}`];
  if (f.detail) parts.push(`detail: ${oneLine(f.detail)}`);
  if (f.hint) parts.push(`hint: ${oneLine(f.hint)}`);
  return parts.join('; ');
}

/** The statements of each migration file, as drizzle's migrator splits and runs them. */
export function migrationStatements(folder: string): { file: string; statements: string[] }[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  return journal.entries.map(({ tag }) => ({
    file: `${tag}.sql`,
    statements: readFileSync(join(folder, `${tag}.sql`), 'utf8').split('--> statement-breakpoint'),
  }));
}

/**
 * What failed, from the error drizzle threw: the failed query (drizzle's `query`) names the
 * file, the server's error (its `cause`, or the error itself) gives the reason.
 */
export function migrationFailureOf(
  err: unknown,
  files: { file: string; statements: string[] }[],
): MigrationFailure {
  const query =
    typeof (err as { query?: unknown })?.query === 'string'
      ? (err as { query: string }).query
      : undefined;
  const server = serverErrorIn(err);
  const file =
    query === undefined ? undefined : files.find((f) => f.statements.includes(query))?.file;
  return {
    file,
    message: server?.message ?? (err instanceof Error ? err.message : String(err)),
    code: server?.code,
    detail: server?.detail,
    hint: server?.hint,
  };
}

interface ServerError {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
}

/** The server's error (pg's DatabaseError, with a SQLSTATE code) in the cause chain. */
function serverErrorIn(err: unknown): ServerError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof pg.DatabaseError) return e;
  }
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
