// Decides, from the routing rules, which stores an enriched event goes to and which rules said
// so. Every matching rule contributes (a union, not first match), so `*` rules such as the
// archive apply to every event.
import type { Destination, RoutingConfig, RoutingRule } from './routing-config.ts';
import { DESTINATIONS } from './routing-config.ts';

export interface RouteDecision {
  readonly destinations: readonly Destination[];
  readonly rules: readonly string[];
}

export type EventRouter = (event: Readonly<Record<string, unknown>>) => RouteDecision;

export const UNMATCHED_RULE = 'unmatched';

function fieldAt(event: Readonly<Record<string, unknown>>, path: string): unknown {
  let v: unknown = event;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export function createEventRouter(config: RoutingConfig): EventRouter {
  const compiled = config.rules.map((rule: RoutingRule) => ({
    rule,
    types: rule.match.type === '*' ? null : new Set(rule.match.type),
    where: Object.entries(rule.match.where ?? {}).map(([path, values]) => ({
      path,
      values: new Set(values),
    })),
  }));
  // Results are cached per type when no rule looks at other fields: the hot path then costs
  // one map lookup per event.
  const typeOnly = compiled.every((c) => c.where.length === 0);
  const cache = new Map<string, RouteDecision>();

  const decide = (event: Readonly<Record<string, unknown>>): RouteDecision => {
    const type = event.type;
    const dest = new Set<Destination>();
    const rules: string[] = [];
    let typeMatched = false;
    for (const c of compiled) {
      if (c.types !== null && !(typeof type === 'string' && c.types.has(type))) continue;
      if (!c.where.every((w) => w.values.has(fieldAt(event, w.path) as never))) continue;
      if (c.types !== null) typeMatched = true;
      rules.push(c.rule.name);
      for (const d of c.rule.destinations) dest.add(d);
    }
    if (!typeMatched) {
      rules.push(UNMATCHED_RULE);
      for (const d of config.unmatched) dest.add(d);
    }
    // A stable order, whatever the rule order, so explain output and tests compare simply.
    return { destinations: DESTINATIONS.filter((d) => dest.has(d)), rules };
  };

  return (event) => {
    if (!typeOnly) return decide(event);
    const key = typeof event.type === 'string' ? event.type : '';
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = decide(event);
      // Custom types are open-ended; bound the cache rather than trust the input.
      if (cache.size < 10_000) cache.set(key, hit);
    }
    return hit;
  };
}
