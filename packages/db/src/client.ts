// Connection pool and drizzle handle. The caller passes the URL: this package reads no
// environment. `searchPath` puts every table in a schema of its own (tests use one per suite).
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export interface DbOptions {
  url: string;
  searchPath?: string;
  maxConnections?: number;
}

export function createPool(options: DbOptions): pg.Pool {
  return new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.searchPath ? { options: `-c search_path=${quoteIdent(options.searchPath)}` } : {}),
  });
}

export function createDb(options: DbOptions): Database {
  return drizzle(createPool(options), { schema });
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
