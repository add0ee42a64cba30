// The event trace: an event_id → its raw record, its enriched record, its dead letters and the
// stores that hold it, found without scanning a topic. What the stores and the DLQ index know
// bounds the Kafka reads: a dead letter names its source partition and offset (one record to
// read); a row of the events table gives when the storage writer wrote it, so the records are in
// a short window of Kafka timestamps before that; the enriched record carries the raw record's
// Kafka timestamp, so the raw record is searched at that one timestamp. Without any of these the
// caller's time hint bounds the window, or nothing is read. The I/O comes in as ports (the CLI
// and the console wire their own clients); this module decides what to read and assembles it.

/** What PostgreSQL's events table says about the event (null: no row). */
export interface StoredEvent {
  eventTimeMs: number;
  ingestedAtMs: number;
  type: string;
}

/** One dead letter of the event, from the DLQ index. */
export interface TraceDlqEntry {
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
  /** Replay jobs that took this entry, oldest first: their state (sent, succeeded, failed-again…). */
  replays?: TraceReplay[];
}

export interface TraceReplay {
  jobId: number;
  state: string;
  targetTopic: string | null;
  sentAt: string | null;
  /** For failed-again: the entry the replayed event became. */
  newEntryId: number | null;
}

export interface FoundRecord {
  partition: number;
  offset: number;
  timestampMs: number | null;
  value: Uint8Array | null;
}

export interface RecordSearch {
  topic: string;
  /** One partition and offset to read, or a window of Kafka timestamps over these partitions. */
  exact?: { partition: number; offset: number };
  partitions?: number[];
  sinceMs: number;
  untilMs: number;
  eventId: string;
}

export interface RecordSearchResult {
  found: FoundRecord | null;
  read: number;
  exhausted: 'window' | 'records' | 'time' | null;
}

/** Redis: what is known of the event there (its counts are aggregates, never the event itself). */
export interface RedisTrace {
  /** The partition's offset fence passed the enriched record: its counts were applied if routed. */
  applied: boolean | null;
  fence: string | null;
  /** The realtime keys of the event's minute that exist now. */
  minuteKeys: string[];
  note: string;
}

export interface TracePorts {
  storedEvent(eventId: string): Promise<StoredEvent | null>;
  dlqEntries(eventId: string): Promise<TraceDlqEntry[]>;
  findRecord(search: RecordSearch): Promise<RecordSearchResult>;
  /** The search index's document with id = event_id (null: none) and the event time it holds. */
  searchDocument?(eventId: string): Promise<{ eventTimeMs: number | null } | null>;
  redis?(where: {
    topic: string;
    partition: number;
    offset: number;
    minute: string;
  }): Promise<RedisTrace>;
  /** The archive object holding the enriched record, or null; absent: no archive configured. */
  archiveObject?(where: {
    topic: string;
    partition: number;
    offset: number;
    eventTimeMs: number;
    eventId: string;
  }): Promise<string | null>;
}

export interface TraceBounds {
  /** Before the storage writer's ingest time, how far back the enriched record may be. */
  lookbackMs: number;
  /** Around a caller's time hint (event time), how far each way to search. */
  hintWindowMs: number;
}

export const DEFAULT_TRACE_BOUNDS: TraceBounds = {
  lookbackMs: 10 * 60_000,
  hintWindowMs: 5 * 60_000,
};

export interface TraceTopics {
  raw: string;
  enriched: string;
}

export interface TraceRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: string | null;
  value: unknown;
}

export interface EventTrace {
  event_id: string;
  raw: TraceRecord | null;
  enriched: TraceRecord | null;
  dlq: TraceDlqEntry[];
  windows: { size: string; start: string; end: string }[];
  stores: {
    timescaledb: boolean;
    elasticsearch: boolean | null;
    redis: RedisTrace | null;
    s3: string | null;
  };
  search: {
    /** How each record was looked for, and how many records were read in all. */
    raw: string;
    enriched: string;
    records_read: number;
  };
}

/** Whether a record's value is the JSON of this event (the cheap byte test first). */
export function recordHoldsEvent(value: Uint8Array | null, eventId: string): boolean {
  if (!value) return false;
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (!text.includes(eventId)) return false;
  try {
    const parsed = JSON.parse(text) as { event_id?: unknown };
    return parsed.event_id === eventId;
  } catch {
    return false;
  }
}

export interface SearchWindow {
  sinceMs: number;
  untilMs: number;
  basis: string;
}

/**
 * The windows of Kafka timestamps to search, narrowest first (null: nothing bounds the search).
 * The enriched record usually reached the writer within seconds, so its last seconds before the
 * ingest time are read first and the rest of the lookback only when that fails.
 */
export function searchWindows(
  stored: StoredEvent | null,
  hintMs: number | null,
  bounds: TraceBounds,
): SearchWindow[] | null {
  // The raw record's Kafka timestamp travels with the enriched one, and the row was written after
  // it, so the window ends at the ingest time (plus clock skew).
  if (stored) {
    const near = Math.min(NEAR_MS, bounds.lookbackMs);
    const until = stored.ingestedAtMs + 5_000;
    const basis = 'events table ingest time';
    const first = { sinceMs: stored.ingestedAtMs - near, untilMs: until, basis };
    if (near === bounds.lookbackMs) return [first];
    return [
      first,
      { sinceMs: stored.ingestedAtMs - bounds.lookbackMs, untilMs: first.sinceMs - 1, basis },
    ];
  }
  if (hintMs !== null)
    return [
      {
        sinceMs: hintMs - bounds.hintWindowMs,
        untilMs: hintMs + bounds.hintWindowMs,
        basis: 'time hint',
      },
    ];
  return null;
}

/** The first, narrow window before the ingest time. */
const NEAR_MS = 30_000;

const WINDOW_SIZES: [string, number][] = [
  ['1m', 60_000],
  ['5m', 300_000],
  ['1h', 3_600_000],
];

/** The tumbling windows (1m, 5m, 1h, UTC-aligned) an event time falls in. */
export function windowsOf(eventTimeMs: number): EventTrace['windows'] {
  return WINDOW_SIZES.map(([size, ms]) => {
    const start = Math.floor(eventTimeMs / ms) * ms;
    return {
      size,
      start: new Date(start).toISOString(),
      end: new Date(start + ms).toISOString(),
    };
  });
}

const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);

function decode(value: Uint8Array | null): unknown {
  if (!value) return null;
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const toTraceRecord = (topic: string, r: FoundRecord): TraceRecord => ({
  topic,
  partition: r.partition,
  offset: r.offset,
  timestamp: r.timestampMs === null ? null : new Date(r.timestampMs).toISOString(),
  value: decode(r.value),
});

function eventTimeOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { timestamp_ms?: unknown; timestamp?: unknown };
  if (typeof v.timestamp_ms === 'number') return v.timestamp_ms;
  if (typeof v.timestamp === 'number') return v.timestamp;
  if (typeof v.timestamp === 'string') {
    const ms = Date.parse(v.timestamp);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

export async function traceEvent(
  eventId: string,
  topics: TraceTopics,
  ports: TracePorts,
  options: { hintMs?: number | null; bounds?: TraceBounds } = {},
): Promise<EventTrace> {
  const bounds = options.bounds ?? DEFAULT_TRACE_BOUNDS;
  const [stored, dlq, doc] = await Promise.all([
    ports.storedEvent(eventId),
    ports.dlqEntries(eventId),
    ports.searchDocument ? ports.searchDocument(eventId) : Promise.resolve(undefined),
  ]);
  let read = 0;
  const search = async (s: RecordSearch) => {
    const result = await ports.findRecord(s);
    read += result.read;
    return result;
  };
  const told = (r: RecordSearchResult, how: string) =>
    r.found ? how : `${how}: not found (${r.exhausted ?? 'window'} exhausted, ${r.read} read)`;

  const windows = searchWindows(stored, options.hintMs ?? doc?.eventTimeMs ?? null, bounds);
  const inWindows = async (topic: string): Promise<[RecordSearchResult, string] | null> => {
    if (!windows) return null;
    let last: [RecordSearchResult, string] | null = null;
    for (const w of windows) {
      const r = await search({ topic, eventId, sinceMs: w.sinceMs, untilMs: w.untilMs });
      last = [
        r,
        `${topic} by Kafka time ${new Date(w.sinceMs).toISOString()}..${new Date(w.untilMs).toISOString()} (${w.basis})`,
      ];
      if (r.found) break;
    }
    return last;
  };
  let enriched: FoundRecord | null = null;
  let enrichedHow = 'not searched: no stored row, dead letter or time hint bounds the search';
  // A storage writer's dead letter names the enriched record itself.
  const storageDlq = dlq.find((d) => d.source?.topic === topics.enriched)?.source;
  if (storageDlq) {
    const offset = Number(storageDlq.offset);
    const r = await search({
      topic: topics.enriched,
      exact: { partition: storageDlq.partition, offset },
      sinceMs: storageDlq.timestampMs ?? 0,
      untilMs: storageDlq.timestampMs ?? 0,
      eventId,
    });
    enriched = r.found;
    enrichedHow = told(
      r,
      `${topics.enriched}[${storageDlq.partition}]@${offset} (the dead letter's source)`,
    );
  } else if (windows) {
    const found = await inWindows(topics.enriched);
    if (found) {
      enriched = found[0].found;
      enrichedHow = told(...found);
    }
  }

  let raw: FoundRecord | null = null;
  let rawHow = 'not searched';
  const fromDlq = dlq.find((d) => d.source?.topic === topics.raw)?.source;
  if (fromDlq) {
    const offset = Number(fromDlq.offset);
    const at = fromDlq.timestampMs ?? 0;
    const r = await search({
      topic: topics.raw,
      exact: { partition: fromDlq.partition, offset },
      sinceMs: at,
      untilMs: at,
      eventId,
    });
    raw = r.found;
    rawHow = told(r, `${topics.raw}[${fromDlq.partition}]@${offset} (the dead letter's source)`);
  } else if (enriched?.timestampMs != null) {
    // The enriched record carries the raw record's timestamp: one instant to search.
    const at = enriched.timestampMs;
    const r = await search({ topic: topics.raw, eventId, sinceMs: at, untilMs: at });
    raw = r.found;
    rawHow = told(r, `${topics.raw} at the enriched record's Kafka time`);
  } else if (windows) {
    const found = await inWindows(topics.raw);
    if (found) {
      raw = found[0].found;
      rawHow = told(...found);
    }
  }

  const rawRecord = raw ? toTraceRecord(topics.raw, raw) : null;
  const enrichedRecord = enriched ? toTraceRecord(topics.enriched, enriched) : null;
  const eventTimeMs =
    stored?.eventTimeMs ??
    eventTimeOf(enrichedRecord?.value) ??
    eventTimeOf(rawRecord?.value) ??
    null;

  const elasticsearch = doc === undefined ? null : doc !== null;
  const [redis, s3] = await Promise.all([
    ports.redis && enriched && eventTimeMs !== null
      ? ports.redis({
          topic: topics.enriched,
          partition: enriched.partition,
          offset: enriched.offset,
          minute: minuteOf(eventTimeMs),
        })
      : Promise.resolve(null),
    ports.archiveObject && enriched && eventTimeMs !== null
      ? ports.archiveObject({
          topic: topics.enriched,
          partition: enriched.partition,
          offset: enriched.offset,
          eventTimeMs,
          eventId,
        })
      : Promise.resolve(null),
  ]);

  return {
    event_id: eventId,
    raw: rawRecord,
    enriched: enrichedRecord,
    dlq,
    windows: eventTimeMs === null || !enriched ? [] : windowsOf(eventTimeMs),
    stores: { timescaledb: stored !== null, elasticsearch, redis, s3 },
    search: { raw: rawHow, enriched: enrichedHow, records_read: read },
  };
}
