// Sessions closed by the aggregation workers' watermark; a late event that extends a session
// re-emits it and the row is replaced (key: session_id, session_start).
import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const sessions = pgTable(
  'sessions',
  {
    sessionStart: timestamp('session_start', { withTimezone: true, mode: 'date' }).notNull(),
    sessionId: text('session_id').notNull(),
    userId: text('user_id').notNull(),
    sessionEnd: timestamp('session_end', { withTimezone: true, mode: 'date' }).notNull(),
    durationMs: bigint('duration_ms', { mode: 'number' }).notNull(),
    eventCount: integer('event_count').notNull(),
    pageviewCount: integer('pageview_count').notNull(),
    entryUrl: text('entry_url'),
    exitUrl: text('exit_url'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'sessions_pkey', columns: [t.sessionStart, t.sessionId] }),
    index('sessions_user_idx').on(t.userId, t.sessionStart),
  ],
);
