// Window sizes and durations as the CLI and config spell them ('1m', '30s', '1h'). Tumbling
// windows are aligned to the epoch, so every partition and every worker cuts the same windows
// and partials of one window can be merged by key.

export interface WindowSize {
  /** As written in keys and records: '1m', '5m', '1h'. */
  readonly name: string;
  readonly ms: number;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export type DurationParse = { ok: true; ms: number } | { ok: false; message: string };

/** '0', '250ms', '30s', '5m', '1h', '1d'. */
export function parseDuration(text: string): DurationParse {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) return { ok: false, message: `invalid duration '${text}' (e.g. 30s, 5m, 1h)` };
  const n = Number(m[1]);
  const unit = (m[2] ?? (n === 0 ? 'ms' : undefined)) as keyof typeof UNIT_MS | undefined;
  if (unit === undefined) return { ok: false, message: `duration '${text}' needs a unit` };
  return { ok: true, ms: n * UNIT_MS[unit] };
}

export type WindowSizesParse = { ok: true; sizes: WindowSize[] } | { ok: false; message: string };

/** '1m,5m,1h' → sizes, smallest first; a size must be a positive whole number of seconds. */
export function parseWindowSizes(text: string): WindowSizesParse {
  const sizes: WindowSize[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const d = parseDuration(part);
    if (!d.ok) return d;
    if (d.ms <= 0 || d.ms % 1000 !== 0)
      return { ok: false, message: `window size '${part}' must be a positive number of seconds` };
    if (sizes.some((s) => s.name === part))
      return { ok: false, message: `window size '${part}' listed twice` };
    sizes.push({ name: part, ms: d.ms });
  }
  return { ok: true, sizes: sizes.sort((a, b) => a.ms - b.ms) };
}

/** Start of the tumbling window of `sizeMs` holding `eventMs` (windows are [start, start+size)). */
export function windowStart(eventMs: number, sizeMs: number): number {
  return eventMs - (((eventMs % sizeMs) + sizeMs) % sizeMs);
}
