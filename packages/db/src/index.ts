export { createDb, createPool, type Database, type DbOptions, quoteIdent } from './client.ts';
export * from './dlq/index.ts';
export { type MigrateResult, migrationsFolder, runMigrations } from './migrate.ts';
export {
  describeMigrationFailure,
  MigrationError,
  type MigrationFailure,
} from './migration-error.ts';
export * from './routing/index.ts';
export * from './schema/index.ts';
export * from './trace/event-trace-store.ts';
