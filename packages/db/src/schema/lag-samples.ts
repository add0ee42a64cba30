// Consumer lag history written by the lag monitor and charted by the console.
// time_lag_s is null when unknown; time_lag_estimated marks extrapolated values.
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

export const lagSamples = pgTable(
  'lag_samples',
  {
    sampledAt: timestamp('sampled_at', { withTimezone: true, mode: 'date' }).notNull(),
    groupId: text('group_id').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    committedOffset: bigint('committed_offset', { mode: 'number' }),
    endOffset: bigint('end_offset', { mode: 'number' }).notNull(),
    offsetLag: bigint('offset_lag', { mode: 'number' }),
    timeLagS: doublePrecision('time_lag_s'),
    timeLagEstimated: boolean('time_lag_estimated').notNull().default(false),
    status: text('status').notNull(),
  },
  (t) => [
    primaryKey({
      name: 'lag_samples_pkey',
      columns: [t.sampledAt, t.groupId, t.topic, t.partition],
    }),
    index('lag_samples_group_time_idx').on(t.groupId, t.sampledAt),
  ],
);
