import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, type RoutingConfig } from './routing-config.ts';
import { previewRouting } from './routing-preview.ts';

describe('previewRouting', () => {
  it('shows per event and in totals where the draft sends events versus the rules in force', () => {
    const draft: RoutingConfig = {
      rules: [
        { name: 'behaviour', match: { type: ['pageview'] }, destinations: ['timescaledb'] },
        {
          name: 'errors',
          match: { type: ['error', 'exception', 'click'] },
          destinations: ['elasticsearch'],
        },
      ],
      unmatched: [],
    };
    const p = previewRouting(
      [
        { event_id: 'a', type: 'pageview' },
        { event_id: 'b', type: 'click' },
        { event_id: 'c', type: 'signup' },
      ],
      DEFAULT_ROUTING,
      draft,
    );
    expect(p.events).toEqual([
      {
        event_id: 'a',
        type: 'pageview',
        inForce: ['timescaledb', 'redis', 's3'],
        draft: ['timescaledb'],
        changed: true,
      },
      {
        event_id: 'b',
        type: 'click',
        inForce: ['timescaledb', 'redis', 's3'],
        draft: ['elasticsearch'],
        changed: true,
      },
      { event_id: 'c', type: 'signup', inForce: ['redis', 's3'], draft: [], changed: true },
    ]);
    expect(p.totals).toEqual({
      events: 3,
      changed: 3,
      byDestination: {
        timescaledb: { inForce: 2, draft: 1 },
        elasticsearch: { inForce: 0, draft: 1 },
        redis: { inForce: 3, draft: 0 },
        s3: { inForce: 3, draft: 0 },
      },
      nowhere: { inForce: 0, draft: 1 },
    });
  });

  it('counts no change when the draft is the rules in force', () => {
    const p = previewRouting([{ event_id: 'a', type: 'error' }], DEFAULT_ROUTING, DEFAULT_ROUTING);
    expect(p.totals.changed).toBe(0);
    expect(p.events[0]?.changed).toBe(false);
  });
});
