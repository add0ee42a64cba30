// Partial window aggregates, one row per (window, type, dimensions, source partition).
// Aggregation workers compute partials per input partition; readers merge them (sum counts,
// union the HyperLogLog registers), so no partition is a hot spot and a replayed partial
// replaces its row instead of adding to it.
import {
  bigint,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const windowAggregates = pgTable(
  'window_aggregates',
  {
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    windowSize: text('window_size').notNull(),
    type: text('type').notNull(),
    // Extra dimensions joined into one key ('' when none) so the primary key stays fixed.
    dimensions: text('dimensions').notNull().default(''),
    sourcePartition: integer('source_partition').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    lateAccepted: bigint('late_accepted', { mode: 'number' }).notNull().default(0),
    lateDropped: bigint('late_dropped', { mode: 'number' }).notNull().default(0),
    uniqueUsersSketch: bytea('unique_users_sketch').notNull(),
    uniqueUsersEstimate: bigint('unique_users_estimate', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({
      name: 'window_aggregates_pkey',
      columns: [t.windowStart, t.windowSize, t.type, t.dimensions, t.sourcePartition],
    }),
    index('window_aggregates_size_start_idx').on(t.windowSize, t.windowStart),
  ],
);
