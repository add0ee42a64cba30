// Enriched events routed to PostgreSQL/TimescaleDB (pageview and click by default).
// The key is (event_time, event_id): TimescaleDB requires the partitioning column in every
// unique index, and event_time is fixed for a given event_id, so the key still de-duplicates
// replays exactly as event_id alone would.
import {
  doublePrecision,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

export const events = pgTable(
  'events',
  {
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'date' }).notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    userId: text('user_id').notNull(),
    sessionId: text('session_id').notNull(),
    url: text('url'),
    referrer: text('referrer'),
    ip: text('ip'),
    country: text('country'),
    countryCode: text('country_code'),
    region: text('region'),
    city: text('city'),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    browser: text('browser'),
    browserVersion: text('browser_version'),
    os: text('os'),
    deviceType: text('device_type'),
    properties: jsonb('properties').$type<Record<string, unknown>>(),
    ingestedAt: timestamp('ingested_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'events_pkey', columns: [t.eventTime, t.eventId] }),
    index('events_type_time_idx').on(t.type, t.eventTime),
    index('events_session_idx').on(t.sessionId, t.eventTime),
  ],
);
