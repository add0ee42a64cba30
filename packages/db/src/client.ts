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
  /** An idle connection was closed by the server (it is dropped; nothing else to do). */
  onIdleError?: (err: Error) => void;
}

export function createPool(options: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.searchPath ? { options: `-c search_path=${quoteIdent(options.searchPath)}` } : {}),
  });
  // An idle connection that the server closes (a restart, a fast shutdown) is reported as an
  // 'error' event on the pool, which drops that connection; with no listener Node exits the
  // process (the lag monitor did, at every PostgreSQL restart of the sink-outage chaos run).
  // The next query opens a new connection, or fails with its own error to its caller.
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

export function createDb(options: DbOptions): Database {
  return drizzle(createPool(options), { schema });
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
