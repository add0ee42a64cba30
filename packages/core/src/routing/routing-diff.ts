// What changes between two routing versions, rule by rule (rules are named, so a rule keeps its
// identity across versions), and the same as text lines for `sluice routing diff` and the console.
import type { Destination, RoutingConfig, RoutingRule } from './routing-config.ts';

export type RuleChange =
  | { readonly kind: 'added'; readonly name: string; readonly after: RoutingRule }
  | { readonly kind: 'removed'; readonly name: string; readonly before: RoutingRule }
  | {
      readonly kind: 'changed';
      readonly name: string;
      readonly before: RoutingRule;
      readonly after: RoutingRule;
    };

export interface RoutingDiff {
  readonly rules: readonly RuleChange[];
  /** Present when `unmatched` differs. */
  readonly unmatched?: {
    readonly before: readonly Destination[];
    readonly after: readonly Destination[];
  };
  /** The rules in common are in another order (it changes only the order rules are explained in). */
  readonly reordered: boolean;
  readonly same: boolean;
}

/** Keys in a stable order, so equal configs compare equal whatever order their keys came in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function diffRoutingConfigs(a: RoutingConfig, b: RoutingConfig): RoutingDiff {
  const before = new Map(a.rules.map((r) => [r.name, r]));
  const after = new Map(b.rules.map((r) => [r.name, r]));
  const rules: RuleChange[] = [];
  for (const r of a.rules) {
    const next = after.get(r.name);
    if (!next) rules.push({ kind: 'removed', name: r.name, before: r });
    else if (canonicalJson(r) !== canonicalJson(next))
      rules.push({ kind: 'changed', name: r.name, before: r, after: next });
  }
  for (const r of b.rules)
    if (!before.has(r.name)) rules.push({ kind: 'added', name: r.name, after: r });
  const common = (c: RoutingConfig, other: Map<string, RoutingRule>) =>
    c.rules.filter((r) => other.has(r.name)).map((r) => r.name);
  const reordered = common(a, after).join('\u0000') !== common(b, before).join('\u0000');
  const unmatchedSame =
    canonicalJson([...a.unmatched].sort()) === canonicalJson([...b.unmatched].sort());
  return {
    rules,
    ...(unmatchedSame ? {} : { unmatched: { before: a.unmatched, after: b.unmatched } }),
    reordered,
    same: rules.length === 0 && unmatchedSame && !reordered,
  };
}

const ruleText = (r: RoutingRule) => {
  const where = Object.entries(r.match.where ?? {})
    .map(([k, v]) => ` ${k} in ${JSON.stringify(v)}`)
    .join(' and');
  const type = r.match.type === '*' ? '*' : r.match.type.join(',');
  return `type ${type}${where ? ` where${where}` : ''} → ${r.destinations.join(', ') || '(nowhere)'}`;
};

/** One line per change: `+ rule x: ...`, `- rule x: ...`, `~ rule x: ... ⇒ ...`. */
export function formatRoutingDiff(d: RoutingDiff): string[] {
  if (d.same) return ['(no difference)'];
  const lines: string[] = [];
  for (const c of d.rules) {
    if (c.kind === 'added') lines.push(`+ rule ${c.name}: ${ruleText(c.after)}`);
    else if (c.kind === 'removed') lines.push(`- rule ${c.name}: ${ruleText(c.before)}`);
    else lines.push(`~ rule ${c.name}: ${ruleText(c.before)}  ⇒  ${ruleText(c.after)}`);
  }
  if (d.unmatched)
    lines.push(
      `~ unmatched: ${d.unmatched.before.join(', ') || '(nowhere)'}  ⇒  ${d.unmatched.after.join(', ') || '(nowhere)'}`,
    );
  if (d.reordered) lines.push('~ rule order changed');
  return lines;
}
