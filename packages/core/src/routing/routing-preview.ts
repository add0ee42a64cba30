// A draft of the routing rules run over sample events beside the rules in force: per event,
// where each sends it, and in totals how many events each store would gain or lose.
import { createEventRouter } from './event-router.ts';
import { DESTINATIONS, type Destination, type RoutingConfig } from './routing-config.ts';

export interface PreviewedEvent {
  readonly event_id: string | null;
  readonly type: string | null;
  readonly inForce: readonly Destination[];
  readonly draft: readonly Destination[];
  readonly changed: boolean;
}

export interface RoutingPreview {
  readonly events: readonly PreviewedEvent[];
  readonly totals: {
    readonly events: number;
    readonly changed: number;
    /** Per store, events the rules in force send there and events the draft sends there. */
    readonly byDestination: Readonly<Record<Destination, { inForce: number; draft: number }>>;
    /** Events sent nowhere by each. */
    readonly nowhere: { inForce: number; draft: number };
  };
}

export function previewRouting(
  events: readonly Readonly<Record<string, unknown>>[],
  inForce: RoutingConfig,
  draft: RoutingConfig,
): RoutingPreview {
  const before = createEventRouter(inForce);
  const after = createEventRouter(draft);
  const byDestination = Object.fromEntries(
    DESTINATIONS.map((d) => [d, { inForce: 0, draft: 0 }]),
  ) as Record<Destination, { inForce: number; draft: number }>;
  const nowhere = { inForce: 0, draft: 0 };
  let changed = 0;
  const out = events.map((e): PreviewedEvent => {
    const a = before(e).destinations;
    const b = after(e).destinations;
    for (const d of a) byDestination[d].inForce++;
    for (const d of b) byDestination[d].draft++;
    if (a.length === 0) nowhere.inForce++;
    if (b.length === 0) nowhere.draft++;
    const differs = a.join() !== b.join();
    if (differs) changed++;
    return {
      event_id: typeof e.event_id === 'string' ? e.event_id : null,
      type: typeof e.type === 'string' ? e.type : null,
      inForce: a,
      draft: b,
      changed: differs,
    };
  });
  return { events: out, totals: { events: events.length, changed, byDestination, nowhere } };
}
