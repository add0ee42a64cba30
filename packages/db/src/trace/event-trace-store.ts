// The event trace's reads of PostgreSQL: the events table's row of an event (its event time and
// when the storage writer wrote it, which bounds the Kafka search) and its entries in the DLQ
// index. The events table's key is (event_time, event_id) with no index on event_id alone, so a
// lookup without a time range visits every chunk; given one (a caller's hint) it stays in it.
import { and, asc, desc, eq, gte, inArray, lte } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { dlqEntries } from '../schema/dlq.ts';
import { dlqReplayJobEntries } from '../schema/dlq-replay.ts';
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
  replays: {
    jobId: number;
    state: string;
    targetTopic: string | null;
    sentAt: string | null;
    newEntryId: number | null;
  }[];
}

/** The event's dead letters, oldest first (at most `limit`), each with the replays that took it. */
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
  const replays =
    rows.length === 0
      ? []
      : await db
          .select()
          .from(dlqReplayJobEntries)
          .where(
            inArray(
              dlqReplayJobEntries.entryId,
              rows.map((r) => r.id),
            ),
          )
          .orderBy(asc(dlqReplayJobEntries.jobId));
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
    replays: replays
      .filter((x) => x.entryId === r.id)
      .map((x) => ({
        jobId: x.jobId,
        state: x.state,
        targetTopic: x.targetTopic,
        sentAt: x.sentAt?.toISOString() ?? null,
        newEntryId: x.newEntryId,
      })),
  }));
}
