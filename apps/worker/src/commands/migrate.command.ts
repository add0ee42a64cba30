// `sluice migrate`: apply the database migrations (also run by `sluice stack up`).
import { MigrationError, runMigrations } from '@sluice/db';
import type { Command } from 'commander';
import { loadEnv } from '../env.ts';
import { type Progress, stderrProgress } from '../progress.ts';

export async function migrateCommandAction(progress: Progress, schema?: string): Promise<void> {
  const env = loadEnv();
  const r = await runMigrations({ url: env.DATABASE_URL, ...(schema ? { schema } : {}) });
  progress(
    `migrations: ${r.applied} applied, ${r.total} in total; ${r.timescale ? 'TimescaleDB hypertables' : 'plain PostgreSQL tables (TimescaleDB not installed)'}`,
  );
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations to DATABASE_URL (idempotent)')
    .option('--schema <name>', 'apply into this schema instead of public')
    .action(async (opts: { schema?: string }) => {
      try {
        await migrateCommandAction(stderrProgress(), opts.schema);
      } catch (err) {
        // A failed migration is an operator's problem (rights, extensions), not a bug: one line
        // naming the file and PostgreSQL's reason; the SQL and a stack trace would bury it.
        if (!(err instanceof MigrationError)) throw err;
        process.stderr.write(
          `sluice migrate: ${err.message}; none of the pending migrations was applied\n`,
        );
        process.exitCode = 1;
      }
    });
}
