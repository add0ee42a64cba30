// What a routing config that validates may still get wrong: a rule that can never change where
// an event goes (no destinations, a type no event can have, or an earlier rule that already
// covers it), and event types stored nowhere. Warnings, not errors: such a config is legal and
// the console and `sluice routing validate` show them beside the errors of the schema.
import { EVENT_TYPE_PATTERN, KNOWN_EVENT_TYPES } from '../event-schema.ts';
import {
  type Destination,
  parseRoutingConfig,
  type RoutingConfig,
  type RoutingRule,
} from './routing-config.ts';

export interface RoutingWarning {
  /** The key it is about, as the errors name theirs (`rules.2.match.type`). */
  readonly path: string;
  readonly message: string;
}

const covers = (outer: RoutingRule, inner: RoutingRule): boolean => {
  const ot = outer.match.type;
  const it = inner.match.type;
  if (ot !== '*' && (it === '*' || !it.every((t) => ot.includes(t)))) return false;
  // Every condition of the outer rule must hold whenever the inner rule's conditions do.
  const iw = inner.match.where ?? {};
  return Object.entries(outer.match.where ?? {}).every(([path, values]) => {
    const inner = iw[path];
    return inner?.every((v) => values.includes(v)) === true;
  });
};

const sendsAll = (outer: RoutingRule, inner: RoutingRule) =>
  inner.destinations.every((d) => outer.destinations.includes(d));

export function lintRoutingConfig(
  config: RoutingConfig,
  knownTypes: readonly string[] = KNOWN_EVENT_TYPES,
): RoutingWarning[] {
  const out: RoutingWarning[] = [];
  config.rules.forEach((rule, i) => {
    if (rule.match.type !== '*')
      rule.match.type.forEach((t, j) => {
        if (!EVENT_TYPE_PATTERN.test(t))
          out.push({
            path: `rules.${i}.match.type.${j}`,
            message: `"${t}" is not a valid event type: no event can match it`,
          });
      });
    if (rule.destinations.length === 0) {
      out.push({
        path: `rules.${i}.destinations`,
        message: `rule "${rule.name}" sends nowhere (an empty list): it has no effect`,
      });
      return;
    }
    const earlier = config.rules.slice(0, i).find((e) => covers(e, rule) && sendsAll(e, rule));
    if (earlier)
      out.push({
        path: `rules.${i}`,
        message: `rule "${rule.name}" is unreachable: rule "${earlier.name}" matches every event it matches and already sends to ${rule.destinations.join(', ')}`,
      });
  });
  for (const type of typesOf(config, knownTypes)) {
    if (destinationsOf(config, type).length === 0)
      out.push({ path: 'rules', message: `type "${type}" is routed nowhere` });
  }
  const anyOther = new Set<Destination>(config.unmatched);
  for (const r of config.rules)
    if (r.match.type === '*') for (const d of r.destinations) anyOther.add(d);
  if (anyOther.size === 0)
    out.push({
      path: 'unmatched',
      message: 'types no rule names are routed nowhere (unmatched is empty and no "*" rule sends)',
    });
  return out;
}

/** The known types and every type a rule names, in that order. */
function typesOf(config: RoutingConfig, knownTypes: readonly string[]): string[] {
  const types = new Set(knownTypes);
  for (const r of config.rules)
    if (r.match.type !== '*')
      for (const t of r.match.type) if (EVENT_TYPE_PATTERN.test(t)) types.add(t);
  return [...types];
}

/** Where an event of this type may go: any rule that applies to it (conditions aside). */
function destinationsOf(config: RoutingConfig, type: string): Destination[] {
  const dest = new Set<Destination>();
  let named = false;
  for (const r of config.rules) {
    if (r.match.type !== '*' && !r.match.type.includes(type)) continue;
    for (const d of r.destinations) dest.add(d);
    if (r.match.type !== '*' && r.match.where === undefined) named = true;
  }
  // Unless a condition-free rule names the type, some of its events fall to `unmatched`.
  if (!named) for (const d of config.unmatched) dest.add(d);
  return [...dest];
}

export type RoutingDraftCheck =
  | {
      readonly ok: true;
      readonly config: RoutingConfig;
      readonly warnings: readonly RoutingWarning[];
    }
  | { readonly ok: false; readonly errors: readonly string[] };

/** A draft as text (the editor's, a file's): JSON syntax, then the schema, then the warnings. */
export function checkRoutingDraft(text: string): RoutingDraftCheck {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Where, but not the text around it: the message may end up in an audit row.
    const at = /at position \d+(?: \(line \d+ column \d+\))?/.exec((err as Error).message)?.[0];
    return { ok: false, errors: [`(json): not valid JSON${at ? ` ${at}` : ''}`] };
  }
  const r = parseRoutingConfig(json);
  if (!r.ok) return r;
  return { ok: true, config: r.config, warnings: lintRoutingConfig(r.config) };
}
