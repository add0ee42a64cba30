import { describe, expect, it } from 'vitest';
import { archiveObjectKey } from '../routing/archive-key.ts';
import { archiveObjectHolding, archiveSearchPrefixes } from './archive-lookup.ts';

const T = Date.parse('2026-11-30T00:20:00.000Z');

describe('archive lookup', () => {
  it('lists the hour of the event and the hours either side, across midnight', () => {
    expect(archiveSearchPrefixes('events.enriched', 4, T, 'p/')).toEqual([
      'p/dt=2026-11-29/hour=23/events.enriched-4-',
      'p/dt=2026-11-30/hour=00/events.enriched-4-',
      'p/dt=2026-11-30/hour=01/events.enriched-4-',
    ]);
  });

  it('picks the object whose offset range holds the record, as the archive names it', () => {
    const key = (first: string, last: string, topic = 'events.enriched') =>
      archiveObjectKey({
        topic,
        partition: 4,
        firstOffset: first,
        lastOffset: last,
        eventTimeMs: T,
      });
    const keys = [key('0', '99'), key('100', '250'), key('100', '250', 'other')];
    expect(archiveObjectHolding(keys, 'events.enriched', 4, 100)).toBe(keys[1]);
    expect(archiveObjectHolding(keys, 'events.enriched', 4, 99)).toBe(keys[0]);
    expect(archiveObjectHolding(keys, 'events.enriched', 4, 251)).toBeNull();
    expect(archiveObjectHolding(keys, 'events.enriched', 5, 100)).toBeNull();
  });
});
