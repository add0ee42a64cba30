// Cross-site request forgery: a state-changing tRPC call (a mutation, which tRPC only serves
// over POST) must come from one of the console's own origins. Browsers send `Origin` on every
// POST and a page cannot forge it, so the rule is: Origin present and trusted. When a browser
// sends no Origin (none we support does on POST), Sec-Fetch-Site: same-origin is accepted
// instead; with neither header the call is refused. Non-browser clients are not CSRF victims,
// but they must say where they come from too: refusing a missing Origin is what closes the gap
// the old check (refuse only a *foreign* Origin) left open. Session cookies are also SameSite=Lax.

/** What a request says about where it comes from; null for in-process calls (no HTTP). */
export interface RequestOrigin {
  origin: string | null;
  /** The Sec-Fetch-Site header: same-origin, same-site, cross-site or none. */
  fetchSite: string | null;
}

export type OriginVerdict =
  | { ok: true }
  | { ok: false; reason: 'foreign-origin' | 'null-origin' | 'missing-origin' | 'cross-site' };

export function checkSameOrigin(
  request: RequestOrigin,
  trustedOrigins: readonly string[],
): OriginVerdict {
  const { origin, fetchSite } = request;
  if (origin !== null) {
    // Sandboxed frames, data: URLs and some redirects send the literal "null".
    if (origin === 'null') return { ok: false, reason: 'null-origin' };
    return trustedOrigins.includes(origin) ? { ok: true } : { ok: false, reason: 'foreign-origin' };
  }
  if (fetchSite === 'same-origin') return { ok: true };
  if (fetchSite !== null) return { ok: false, reason: 'cross-site' };
  return { ok: false, reason: 'missing-origin' };
}

/** The headers that matter here, as the fetch adapter hands them over. */
export function requestOriginFrom(headers: Headers): RequestOrigin {
  return { origin: headers.get('origin'), fetchSite: headers.get('sec-fetch-site') };
}
