import { describe, expect, it } from 'vitest';
import { archiveMarkerKey, archiveObjectKey, parseArchiveObjectName } from './archive-key.ts';

describe('archiveObjectKey', () => {
  const o = {
    topic: 'events.enriched',
    partition: 3,
    firstOffset: '1200',
    lastOffset: '1699',
    eventTimeMs: Date.parse('2026-11-27T09:59:59.999Z'),
  };

  it('builds a Hive-style key from event time (UTC), partition and offsets', () => {
    expect(archiveObjectKey(o)).toBe('dt=2026-11-27/hour=09/events.enriched-3-1200-1699.ndjson.gz');
    expect(archiveObjectKey({ ...o, eventTimeMs: Date.parse('2026-11-28T00:00:00Z') }, 'a/')).toBe(
      'a/dt=2026-11-28/hour=00/events.enriched-3-1200-1699.ndjson.gz',
    );
  });

  it('is deterministic, so a retried batch overwrites its own object', () => {
    expect(archiveObjectKey({ ...o })).toBe(archiveObjectKey(o));
  });

  it('parses back, including topic names with dashes', () => {
    expect(
      parseArchiveObjectName(archiveObjectKey({ ...o, topic: 'it-x.events.enriched' })),
    ).toEqual({
      topic: 'it-x.events.enriched',
      partition: 3,
      firstOffset: '1200',
      lastOffset: '1699',
    });
    expect(parseArchiveObjectName(archiveMarkerKey('t', 1))).toBeNull();
  });
});
