// The event trace's reads of PostgreSQL: the events table's row of an event (its event time and
// when the storage writer wrote it, which bounds the Kafka search) and its entries in the DLQ
// index. The events table's key is (event_time, event_id) with no index on event_id alone, so a
// lookup without a time range visits every chunk; given one (a caller's hint) it stays in it.
import { and, asc, desc, eq, gte, lte } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dlqEntries } from '../schema/dlq.ts';
import { events } from '../schema/events.ts';

export interface StoredEventRow {
  eventTimeMs: number;
  ingestedAtMs: number;
  type: string;
}

export async function findStoredEvent(
  db: Database,
  eventId: string,
  eventTimeRange?: { sinceMs: number; untilMs: number },
): Promise<StoredEventRow | null> {
  const [row] = await db
    .select({ eventTime: events.eventTime, ingestedAt: events.ingestedAt, type: events.type })
    .from(events)
    .where(
      and(
        eq(events.eventId, eventId),
        eventTimeRange ? gte(events.eventTime, new Date(eventTimeRange.sinceMs)) : undefined,
        eventTimeRange ? lte(events.eventTime, new Date(eventTimeRange.untilMs)) : undefined,
      ),
    )
    // event_id is unique by contract; where a re-used id left more than one row, the latest.
    .orderBy(desc(events.ingestedAt))
    .limit(1);
  return row
    ? {
        eventTimeMs: row.eventTime.getTime(),
        ingestedAtMs: row.ingestedAt.getTime(),
        type: row.type,
      }
    : null;
}

export interface EventDlqRow {
  id: number;
  topic: string;
  partition: number;
  offset: string;
  stage: string;
  errorClass: string;
  errorMessage: string;
  failedAt: string;
  status: string;
  source: { topic: string; partition: number; offset: string; timestampMs: number | null } | null;
}

/** The event's dead letters, oldest first (at most `limit`). */
export async function findEventDlqEntries(
  db: Database,
  eventId: string,
  limit = 50,
): Promise<EventDlqRow[]> {
  const rows = await db
    .select()
    .from(dlqEntries)
    .where(eq(dlqEntries.eventId, eventId))
    .orderBy(asc(dlqEntries.failedAt), asc(dlqEntries.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    topic: r.topic,
    partition: r.partition,
    offset: String(r.offset),
    stage: r.stage,
    errorClass: r.errorClass,
    errorMessage: r.errorMessage,
    failedAt: r.failedAt.toISOString(),
    status: r.status,
    source:
      r.sourceTopic !== null && r.sourcePartition !== null && r.sourceOffset !== null
        ? {
            topic: r.sourceTopic,
            partition: r.sourcePartition,
            offset: String(r.sourceOffset),
            timestampMs: r.sourceTimestamp?.getTime() ?? null,
          }
        : null,
  }));
}
