// What the aggregation stage needs of an event, read from an enriched (or raw) event's JSON.
// Raw events are accepted too (for `sluice aggregate` on raw NDJSON): their timestamp is
// normalised here the way enrichment does it, and dimensions they lack read as 'unknown'.
import { normaliseTimestamp } from '../event-timestamp.ts';

export interface AggregationEvent {
  readonly eventId: string;
  readonly type: string;
  /** Event time, epoch ms. */
  readonly timeMs: number;
  readonly userId: string;
  readonly sessionId: string;
  readonly url: string | null;
  readonly country: string;
  readonly deviceType: string;
}

export type AggregationEventParse =
  | { ok: true; event: AggregationEvent }
  | { ok: false; reason: string };

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseAggregationEvent(json: string): AggregationEventParse {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { ok: false, reason: 'not_an_object' };
  const e = v as Record<string, unknown>;
  if (!str(e.event_id) || !str(e.type) || !str(e.user_id) || !str(e.session_id))
    return { ok: false, reason: 'missing_field' };
  let timeMs: number;
  if (typeof e.timestamp_ms === 'number' && Number.isSafeInteger(e.timestamp_ms)) {
    timeMs = e.timestamp_ms;
  } else {
    const t = normaliseTimestamp(e.timestamp);
    if (!t.ok) return { ok: false, reason: 'invalid_timestamp' };
    timeMs = t.value.ms;
  }
  const geo = e.geo as { country_code?: unknown } | null | undefined;
  const ua = e.ua as { device_type?: unknown } | null | undefined;
  return {
    ok: true,
    event: {
      eventId: e.event_id,
      type: e.type,
      timeMs,
      userId: e.user_id,
      sessionId: e.session_id,
      url: str(e.url) ? e.url : null,
      country: str(geo?.country_code) ? geo.country_code : 'unknown',
      deviceType: str(ua?.device_type) ? ua.device_type : 'unknown',
    },
  };
}

/** Extra window dimensions an operator may enable, beyond the event type. */
export const WINDOW_DIMENSIONS = ['country', 'device_type'] as const;
export type WindowDimension = (typeof WINDOW_DIMENSIONS)[number];

/** 'k=v;k=v' with keys sorted, '' without dimensions: the `dimensions` field of the contract. */
export function dimensionsOf(event: AggregationEvent, dims: readonly WindowDimension[]): string {
  if (dims.length === 0) return '';
  return [...dims]
    .sort()
    .map((d) => `${d}=${d === 'country' ? event.country : event.deviceType}`)
    .join(';');
}
