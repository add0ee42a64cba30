// The chaos runs' input: realistic raw events from the demo generator (Zipf users and pages,
// sessions, a few percent errors, disorder up to 5 s), with a known share of poison records, and
// a paced producer that spreads them over a stretch of wall-clock time so that kills land while
// traffic flows.
import { createProducer } from '@sluice/kafka';
import { createEventGenerator } from '../../apps/worker/src/produce/event-generator.ts';
import { kafka } from '../support/kafka-reader.ts';

/** A valid raw event, as the ground truth needs it. */
export interface TrafficEvent {
  event_id: string;
  type: string;
  /** Normalised to ISO-8601 UTC with milliseconds, as enrichment writes it. */
  timestamp: string;
  timestamp_ms: number;
  user_id: string;
  session_id: string;
  url: string | null;
}

export interface Traffic {
  /** Every record in production order. */
  records: { key: string; value: string }[];
  /** The valid events in production order. */
  events: TrafficEvent[];
  /** The poison records' values, as produced. */
  poison: string[];
}

/** Event time of the first event: fixed, so a seed reproduces the same windows. */
export const TRAFFIC_START = Date.UTC(2026, 10, 27, 10, 0, 0);

export function generateTraffic(count: number, seed: number, poisonRate = 0.01): Traffic {
  const next = createEventGenerator({ seed, startTime: TRAFFIC_START, malformedRate: poisonRate });
  const traffic: Traffic = { records: [], events: [], poison: [] };
  for (let i = 0; i < count; i++) {
    const r = next();
    traffic.records.push({ key: r.key, value: r.value });
    if (r.malformed) {
      traffic.poison.push(r.value);
      continue;
    }
    const raw = JSON.parse(r.value) as Record<string, unknown>;
    const ms =
      typeof raw.timestamp === 'number' ? raw.timestamp : Date.parse(String(raw.timestamp));
    traffic.events.push({
      event_id: String(raw.event_id),
      type: String(raw.type),
      timestamp: new Date(ms).toISOString(),
      timestamp_ms: ms,
      user_id: String(raw.user_id),
      session_id: String(raw.session_id),
      url: typeof raw.url === 'string' ? raw.url : null,
    });
  }
  return traffic;
}

/**
 * Produces the records to `topic` in order, spread evenly over `durationMs` (batches every
 * 200 ms). Returns the wall-clock time the last batch was acknowledged.
 */
export async function producePaced(
  records: readonly { key: string; value: string }[],
  topic: string,
  durationMs: number,
): Promise<number> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const tickMs = 200;
    const ticks = Math.max(1, Math.floor(durationMs / tickMs));
    const perTick = Math.ceil(records.length / ticks);
    const started = Date.now();
    for (let i = 0, tick = 0; i < records.length; i += perTick, tick++) {
      await producer.send({ topic, messages: records.slice(i, i + perTick) });
      const due = started + (tick + 1) * tickMs;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    return Date.now();
  } finally {
    await producer.disconnect();
  }
}
