// User-agent enrichment: ua-parser-js 1.x (MIT; 2.x is AGPL) for the UA string, `isbot` for
// crawlers (ua-parser-js 1.x barely detects them), and Client Hints preferred over the UA string
// wherever the event carries them (see client-hints.ts for why). Results are cached by UA string
// plus hints, because real traffic repeats a few thousand distinct user agents.
import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';
import { hasClientHints, parseClientHints } from './client-hints.ts';
import { type CacheStats, createCountingCache } from './counting-cache.ts';
import { CLIENT_HINT_NAMES, type ClientHints } from './event-schema.ts';

export interface UaInfo {
  readonly browser: string | null;
  readonly browser_version: string | null;
  readonly browser_major: string | null;
  readonly engine: string | null;
  readonly os: string | null;
  readonly os_version: string | null;
  /** ua-parser-js device types (mobile, tablet, smarttv, console, wearable, embedded, xr) or desktop. */
  readonly device_type: string;
  readonly device_vendor: string | null;
  readonly device_model: string | null;
  readonly is_bot: boolean;
}

export interface UaEnricher {
  /** Null when the event has neither a user agent nor any Client Hint. */
  enrich(userAgent: string | undefined, hints?: ClientHints): UaInfo | null;
  stats(): CacheStats;
}

export interface UaEnricherOptions {
  readonly cacheSize?: number;
}

export const DEFAULT_UA_CACHE_SIZE = 20_000;

/**
 * Length-prefixed so that no UA string can collide with a UA plus hints; plain UA strings
 * (the common case) are used as they are.
 */
function cacheKey(userAgent: string, hints: ClientHints | undefined): string {
  if (!hasClientHints(hints)) return userAgent;
  let key = `${userAgent.length}:${userAgent}`;
  for (const name of CLIENT_HINT_NAMES) {
    const value = hints[name];
    key += value === undefined ? '|-' : `|${value.length}:${value}`;
  }
  return key;
}

export function parseUserAgent(
  parser: UAParser.UAParserInstance,
  userAgent: string,
  hints: ClientHints | undefined,
): UaInfo {
  const r = parser.setUA(userAgent).getResult();
  const h = hasClientHints(hints) ? parseClientHints(hints) : undefined;

  const browser = h?.browser ?? r.browser.name;
  // A UA-string version only describes the hinted browser if both name the same browser.
  const uaVersionFits = h?.browser === undefined || h.browser === r.browser.name;
  const browserVersion = h?.browserVersion ?? (uaVersionFits ? r.browser.version : undefined);
  const browserMajor =
    h?.browserMajor ??
    (uaVersionFits ? r.browser.major : undefined) ??
    browserVersion?.split('.')[0];

  const os = h?.os ?? r.os.name;
  const osVersion =
    h?.osVersion ?? (h?.os === undefined || h.os === r.os.name ? r.os.version : undefined);

  // sec-ch-ua-mobile is the browser's own statement; ?0 overrides only a UA-string "mobile",
  // since tablets and TVs also send ?0 and the UA string still tells those apart.
  let deviceType = r.device.type ?? 'desktop';
  if (h?.mobile === true) deviceType = 'mobile';
  else if (h?.mobile === false && deviceType === 'mobile') deviceType = 'desktop';

  return Object.freeze({
    browser: browser ?? null,
    browser_version: browserVersion ?? null,
    browser_major: browserMajor ?? null,
    engine: r.engine.name ?? (h?.chromium ? 'Blink' : null),
    os: os ?? null,
    os_version: osVersion ?? null,
    device_type: deviceType,
    device_vendor: r.device.vendor ?? null,
    device_model: h?.model ?? r.device.model ?? null,
    is_bot: userAgent !== '' && isbot(userAgent),
  });
}

export function createUaEnricher(options: UaEnricherOptions = {}): UaEnricher {
  // One parser instance reused for every miss: setUA re-parses in place.
  const parser = new UAParser();
  const cache = createCountingCache<UaInfo>(options.cacheSize ?? DEFAULT_UA_CACHE_SIZE);
  return {
    enrich(userAgent, hints) {
      const ua = userAgent ?? '';
      if (ua === '' && !hasClientHints(hints)) return null;
      return cache.getOrCompute(cacheKey(ua, hints), () => parseUserAgent(parser, ua, hints));
    },
    stats: () => cache.stats(),
  };
}
