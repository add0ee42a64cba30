// The PostgreSQL pool of a command or worker: DATABASE_URL, in DATABASE_SCHEMA when it is set
// (every table Sluice reads and writes lives there, as the migrations put them).
import { createDb, type Database } from '@sluice/db';
import type { Env } from './env.ts';

export function sluiceDb(env: Env, maxConnections: number): Database {
  return createDb({
    url: env.DATABASE_URL,
    ...(env.DATABASE_SCHEMA ? { searchPath: env.DATABASE_SCHEMA } : {}),
    maxConnections,
  });
}
