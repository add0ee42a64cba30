// Routing rules as managed config: every version ever saved (immutable, numbered from 1) and
// every change of the version in force (publish, rollback, import of a worker's file), the last
// of which is the one the storage writers run. A rollback moves the pointer, it writes no
// version: the version number a writer reports then names the rules it runs.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const routingVersions = pgTable(
  'routing_versions',
  {
    version: integer('version').primaryKey(),
    /** The rules, validated by core's parseRoutingConfig before they are written. */
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: time('created_at').notNull().defaultNow(),
    note: text('note'),
    // console, cli, or file (STORAGE_ROUTING_CONFIG imported by a storage writer).
    source: text('source').notNull(),
  },
  (t) => [check('routing_versions_source_check', sql`${t.source} IN ('console', 'cli', 'file')`)],
);

export const routingPublications = pgTable(
  'routing_publications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    version: integer('version')
      .notNull()
      .references(() => routingVersions.version),
    previousVersion: integer('previous_version'),
    action: text('action').notNull(),
    by: text('by').notNull(),
    at: time('at').notNull().defaultNow(),
    note: text('note'),
  },
  (t) => [
    check(
      'routing_publications_action_check',
      sql`${t.action} IN ('publish', 'rollback', 'import')`,
    ),
    index('routing_publications_version_idx').on(t.version),
  ],
);
