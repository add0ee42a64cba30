// Size limits for raw events. Every string and the whole event are bounded so that memory per
// event, and so per batch, is bounded by configuration and never by what a producer sends.

export interface EventLimits {
  /** Whole event, in UTF-8 bytes, checked before JSON.parse. */
  readonly maxEventBytes: number;
  /** event_id, user_id, session_id. */
  readonly maxIdLength: number;
  readonly maxTypeLength: number;
  readonly maxIpLength: number;
  readonly maxUserAgentLength: number;
  /** url and referrer. */
  readonly maxUrlLength: number;
  readonly maxMessageLength: number;
  readonly maxStackLength: number;
  /** Each Client Hint header value. */
  readonly maxClientHintLength: number;
  /** Keys plus array items across the whole `properties` tree (unknown fields count too). */
  readonly maxPropertyEntries: number;
  readonly maxPropertyDepth: number;
  readonly maxPropertyKeyLength: number;
  readonly maxPropertyStringLength: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = {
  maxEventBytes: 64 * 1024,
  maxIdLength: 128,
  maxTypeLength: 64,
  // 39 characters for a full IPv6 address, 45 with an embedded IPv4, plus room for a zone id.
  maxIpLength: 64,
  maxUserAgentLength: 1024,
  maxUrlLength: 4096,
  maxMessageLength: 4096,
  maxStackLength: 32 * 1024,
  maxClientHintLength: 512,
  maxPropertyEntries: 200,
  maxPropertyDepth: 5,
  maxPropertyKeyLength: 128,
  maxPropertyStringLength: 4096,
};
