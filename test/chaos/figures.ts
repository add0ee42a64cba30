// What a scenario prints: for each store, how many records were expected and found, and how many
// of them were duplicates, losses (expected, not found) or strays (found, not expected); then
// the scenario's own figures (kills, recovery times, latencies). A failed check says which
// store and shows a few of the ids, so the report and the assertion tell the same story.

export interface StoreFigures {
  store: string;
  expected: number;
  found: number;
  duplicates: number;
  lost: number;
  unexpected: number;
  /** A few offending ids or keys, for the failure message. */
  sample: string[];
}

/** Compares what a store holds (one entry per record, so duplicates show) with the expected set. */
export function compareIds(
  store: string,
  expected: ReadonlySet<string>,
  found: readonly string[],
): StoreFigures {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const id of found) {
    if (seen.has(id)) dup.push(id);
    seen.add(id);
  }
  const lost = [...expected].filter((id) => !seen.has(id));
  const unexpected = [...seen].filter((id) => !expected.has(id));
  return {
    store,
    expected: expected.size,
    found: found.length,
    duplicates: dup.length,
    lost: lost.length,
    unexpected: unexpected.length,
    sample: [
      ...dup.slice(0, 3).map((x) => `dup ${x}`),
      ...lost.slice(0, 3).map((x) => `lost ${x}`),
      ...unexpected.slice(0, 3).map((x) => `unexpected ${x}`),
    ],
  };
}

/** Keyed values: a key whose value differs counts as lost (value too low) or duplicate (too high). */
export function compareCounts(
  store: string,
  expected: ReadonlyMap<string, number>,
  found: ReadonlyMap<string, number>,
): StoreFigures {
  let duplicates = 0;
  let lost = 0;
  let unexpected = 0;
  const sample: string[] = [];
  let expectedTotal = 0;
  let foundTotal = 0;
  for (const [k, want] of expected) {
    const got = found.get(k) ?? 0;
    expectedTotal += want;
    foundTotal += got;
    if (got > want) duplicates += got - want;
    if (got < want) lost += want - got;
    if (got !== want && sample.length < 6) sample.push(`${k}: want ${want}, got ${got}`);
  }
  for (const [k, got] of found)
    if (!expected.has(k)) {
      unexpected += got;
      foundTotal += got;
      if (sample.length < 6) sample.push(`${k}: want nothing, got ${got}`);
    }
  return {
    store,
    expected: expectedTotal,
    found: foundTotal,
    duplicates,
    lost,
    unexpected,
    sample,
  };
}

export const isExact = (f: StoreFigures) =>
  f.duplicates === 0 && f.lost === 0 && f.unexpected === 0 && f.found === f.expected;

export function printFigures(
  scenario: string,
  stores: readonly StoreFigures[],
  extra: Record<string, string | number>,
): string {
  const header = ['store', 'expected', 'found', 'duplicates', 'lost', 'unexpected'];
  const rows = stores.map((s) => [
    s.store,
    String(s.expected),
    String(s.found),
    String(s.duplicates),
    String(s.lost),
    String(s.unexpected),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const text = [
    `── chaos: ${scenario} ──`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
    line(header),
    ...rows.map(line),
  ].join('\n');
  console.log(text);
  return text;
}
