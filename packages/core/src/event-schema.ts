// The raw event schema (zod) and the validated event type. The schema checks shape and bounds;
// timestamp normalisation and the `properties` bounds run after it in the event parser, where
// they are cheaper and can name the failing path precisely.
import { isIP } from 'node:net';
import { z } from 'zod';
import type { EventLimits } from './event-limits.ts';

export const KNOWN_EVENT_TYPES = ['pageview', 'click', 'error', 'exception'] as const;

/** Custom types are allowed, but as identifiers: they become metric labels and table keys. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

/**
 * Client Hints exactly as the browser sent the headers (structured-header syntax, e.g.
 * `"Windows"`, `?1`). The collector can forward the headers verbatim; core parses them.
 */
export const CLIENT_HINT_NAMES = [
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-ch-ua-platform-version',
  'sec-ch-ua-model',
  'sec-ch-ua-full-version-list',
] as const;

export type ClientHintName = (typeof CLIENT_HINT_NAMES)[number];
export type ClientHints = { readonly [K in ClientHintName]?: string };

export const KNOWN_EVENT_FIELDS: ReadonlySet<string> = new Set([
  'event_id',
  'type',
  'timestamp',
  'user_id',
  'session_id',
  'ip',
  'user_agent',
  'url',
  'referrer',
  'properties',
  'message',
  'stack',
  'client_hints',
]);

export type UnknownFieldsPolicy = 'keep' | 'reject';

export function createRawEventSchema(limits: EventLimits, unknownFields: UnknownFieldsPolicy) {
  const id = z.string().min(1).max(limits.maxIdLength);
  const hint = z.string().max(limits.maxClientHintLength).optional();
  // Hints the schema does not name are stripped, whatever the policy: browsers add new hints over
  // time and an unknown one must not send an otherwise good event to the DLQ.
  const clientHints = z.object({
    'sec-ch-ua': hint,
    'sec-ch-ua-mobile': hint,
    'sec-ch-ua-platform': hint,
    'sec-ch-ua-platform-version': hint,
    'sec-ch-ua-model': hint,
    'sec-ch-ua-full-version-list': hint,
  });
  const shape = {
    event_id: id,
    type: z.string().min(1).max(limits.maxTypeLength).regex(EVENT_TYPE_PATTERN),
    // Normalised after the schema (see event-timestamp.ts); here only the type and a bound.
    timestamp: z.union([z.number(), z.string().max(64)]),
    user_id: id,
    session_id: id,
    // A value that is no IP address at all is a broken event (DLQ, path `ip`); a valid address
    // that is private, reserved or unknown to the database is a Geo-IP outcome instead.
    ip: z
      .string()
      .max(limits.maxIpLength)
      .refine((v) => isIP(v) !== 0, 'not an IPv4 or IPv6 address')
      .optional(),
    user_agent: z.string().max(limits.maxUserAgentLength).optional(),
    url: z.string().max(limits.maxUrlLength).optional(),
    referrer: z.string().max(limits.maxUrlLength).optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    message: z.string().max(limits.maxMessageLength).optional(),
    stack: z.string().max(limits.maxStackLength).optional(),
    client_hints: clientHints.optional(),
  };
  return unknownFields === 'reject' ? z.strictObject(shape) : z.looseObject(shape);
}

export type RawEventSchema = ReturnType<typeof createRawEventSchema>;

/** A validated event: original fields, timestamp normalised to ISO plus epoch milliseconds. */
export interface AnalyticsEvent {
  readonly event_id: string;
  readonly type: string;
  /** ISO-8601 in UTC, millisecond precision. */
  readonly timestamp: string;
  readonly timestamp_ms: number;
  readonly user_id: string;
  readonly session_id: string;
  readonly ip?: string;
  readonly user_agent?: string;
  readonly url?: string;
  readonly referrer?: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly message?: string;
  readonly stack?: string;
  readonly client_hints?: ClientHints;
}
