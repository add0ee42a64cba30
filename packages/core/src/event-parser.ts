// Turns the bytes of one raw message into a validated event or an `invalid` outcome carrying
// the reason and the field path that the DLQ envelope records. It never throws for bad input.
import { Buffer, isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { DEFAULT_EVENT_LIMITS, type EventLimits } from './event-limits.ts';
import {
  type AnalyticsEvent,
  createRawEventSchema,
  KNOWN_EVENT_FIELDS,
  type UnknownFieldsPolicy,
} from './event-schema.ts';
import {
  DEFAULT_TIMESTAMP_RANGE,
  normaliseTimestamp,
  type TimestampRange,
} from './event-timestamp.ts';
import { checkPropertyBounds } from './properties-bounds.ts';

export interface EventParserConfig {
  readonly limits: EventLimits;
  /** `keep` moves unknown top-level fields into `properties`; `reject` sends the event to the DLQ. */
  readonly unknownFields: UnknownFieldsPolicy;
  readonly timestampRange: TimestampRange;
}

export interface EventParserOptions {
  readonly limits?: Partial<EventLimits>;
  readonly unknownFields?: UnknownFieldsPolicy;
  readonly timestampRange?: TimestampRange;
}

export type InvalidReason =
  | 'empty'
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_field'
  | 'invalid_type'
  | 'too_long'
  | 'too_short'
  | 'invalid_format'
  | 'unknown_field'
  | 'invalid_timestamp'
  | 'properties_out_of_bounds'
  | 'invalid_value';

export interface InvalidEvent {
  readonly kind: 'invalid';
  readonly reason: InvalidReason;
  readonly message: string;
  /** Dotted path of the offending field (`client_hints.sec-ch-ua`), absent for the whole event. */
  readonly path: string | undefined;
}

export type ParseOutcome = { readonly kind: 'ok'; readonly event: AnalyticsEvent } | InvalidEvent;

export type EventParser = (input: Uint8Array | string) => ParseOutcome;

export function resolveEventParserConfig(options: EventParserOptions = {}): EventParserConfig {
  return {
    limits: { ...DEFAULT_EVENT_LIMITS, ...options.limits },
    unknownFields: options.unknownFields ?? 'keep',
    timestampRange: options.timestampRange ?? DEFAULT_TIMESTAMP_RANGE,
  };
}

const invalid = (reason: InvalidReason, message: string, path?: string): InvalidEvent => ({
  kind: 'invalid',
  reason,
  message,
  path,
});

function fromZodIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): InvalidEvent {
  if (issue.code === 'unrecognized_keys') {
    return invalid('unknown_field', `unknown field(s): ${issue.keys.join(', ')}`, issue.keys[0]);
  }
  const path = issue.path.join('.');
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    // Zod does not report the input by default; look the value up to tell "missing" apart.
    let value: unknown = input;
    for (const segment of issue.path) {
      value = (value as Record<PropertyKey, unknown> | undefined)?.[segment];
    }
    return value === undefined
      ? invalid('missing_field', `${path} is required`, path)
      : invalid('invalid_type', issue.message, path);
  }
  switch (issue.code) {
    case 'too_big':
      return invalid('too_long', issue.message, path);
    case 'too_small':
      return invalid('too_short', issue.message, path);
    case 'invalid_format':
      return invalid('invalid_format', issue.message, path);
    default:
      return invalid('invalid_value', issue.message, path);
  }
}

function decode(input: Uint8Array | string, maxBytes: number): string | InvalidEvent {
  if (typeof input === 'string') {
    // Every UTF-16 unit encodes to 1..3 bytes: only measure when the length cannot decide.
    if (input.length > maxBytes) return invalid('too_large', `event exceeds ${maxBytes} bytes`);
    if (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes) {
      return invalid('too_large', `event exceeds ${maxBytes} bytes`);
    }
    return input;
  }
  if (input.byteLength > maxBytes) {
    return invalid('too_large', `event is ${input.byteLength} bytes, limit ${maxBytes}`);
  }
  // Decoding would silently replace bad sequences with U+FFFD; refuse them instead so the
  // original bytes go to the DLQ unchanged.
  if (!isUtf8(input)) return invalid('invalid_utf8', 'event is not valid UTF-8');
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
}

export function createEventParser(options: EventParserOptions = {}): EventParser {
  const config = resolveEventParserConfig(options);
  const { limits } = config;
  const schema = createRawEventSchema(limits, config.unknownFields);
  const keep = config.unknownFields === 'keep';

  return (input) => {
    if (input.length === 0) return invalid('empty', 'event is empty');
    const text = decode(input, limits.maxEventBytes);
    if (typeof text !== 'string') return text;

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return invalid('invalid_json', (error as Error).message);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      return invalid('not_an_object', 'event must be a JSON object');
    }

    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return first === undefined
        ? invalid('invalid_value', 'event failed validation')
        : fromZodIssue(first, json as Record<string, unknown>);
    }
    const raw = parsed.data as Record<string, unknown> & z.infer<typeof schema>;

    const ts = normaliseTimestamp(raw.timestamp, config.timestampRange);
    if (!ts.ok) return invalid('invalid_timestamp', ts.message, 'timestamp');

    if ((raw.type === 'error' || raw.type === 'exception') && raw.message === undefined) {
      return invalid('missing_field', `${raw.type} events require a message`, 'message');
    }

    let properties = raw.properties;
    if (keep) {
      // Unknown top-level fields are kept inside `properties`; an explicit property of the same
      // name wins, because it is what the producer deliberately put there.
      for (const key in raw) {
        // `__proto__` cannot be assigned as a plain key; it is never a real analytics field.
        if (KNOWN_EVENT_FIELDS.has(key) || key === '__proto__') continue;
        if (properties === raw.properties) properties = { ...raw.properties };
        if (properties !== undefined && !Object.hasOwn(properties, key)) {
          properties[key] = raw[key];
        }
      }
    }
    if (properties !== undefined) {
      const violation = checkPropertyBounds(properties, limits);
      if (violation !== undefined) {
        const path = ['properties', ...violation.path].join('.');
        return invalid('properties_out_of_bounds', violation.message, path);
      }
    }

    // One object of a fixed shape: V8 keeps a single hidden class for every event, which keeps
    // the later JSON.stringify of the enriched event fast.
    const event: AnalyticsEvent = {
      event_id: raw.event_id,
      type: raw.type,
      timestamp: ts.value.iso,
      timestamp_ms: ts.value.ms,
      user_id: raw.user_id,
      session_id: raw.session_id,
      ip: raw.ip,
      user_agent: raw.user_agent,
      url: raw.url,
      referrer: raw.referrer,
      properties,
      message: raw.message,
      stack: raw.stack,
      client_hints: raw.client_hints,
    };
    return { kind: 'ok', event };
  };
}
