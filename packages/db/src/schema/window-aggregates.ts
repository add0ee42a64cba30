// Partial window aggregates, one row per (window, type, dimensions, source partition), plus one
// row per late-drop correction. Aggregation workers compute partials per input partition;
// readers merge them (sum counts, union the HyperLogLog registers), so no partition is a hot
// spot and a replayed partial replaces its row instead of adding to it.
//
// A correction (correction >= 1) holds late drops of a window whose state the aggregator had
// already purged: only late_dropped, with count 0 and the empty sketch. Its number is unique per
// source partition, so a replay rewrites its row, and the partial's own row (correction 0) never
// overwrites it. Readers sum count and late_dropped over all of a window's rows, and merge
// sketches (and count partitions) over its correction-0 rows.
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
    /** 0: the partition's partial; n >= 1: that partition's n-th late-drop correction. */
    correction: integer('correction').notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: 'window_aggregates_pkey',
      columns: [t.windowStart, t.windowSize, t.type, t.dimensions, t.sourcePartition, t.correction],
    }),
    index('window_aggregates_size_start_idx').on(t.windowSize, t.windowStart),
  ],
);
