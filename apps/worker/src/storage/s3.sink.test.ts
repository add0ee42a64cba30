import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { EnrichedEvent } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { openArchiveStore } from './archive-store.ts';
import { createS3Sink } from './s3.sink.ts';
import type { SinkRecord } from './sink.ts';

const T = Date.parse('2026-11-27T10:15:00Z');

function record(offset: number, partition = 3): SinkRecord {
  const data = { event_id: `${partition}:${offset}`, type: 'pageview', timestamp_ms: T + offset };
  return {
    kind: 'event',
    topic: 'events.enriched',
    partition,
    offset: String(offset),
    timestampMs: T,
    key: null,
    value: Buffer.from(JSON.stringify(data)),
    data: data as unknown as EnrichedEvent,
  };
}

const range = (from: number, to: number, partition?: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => record(from + i, partition));

/** Every event id in the archive directory, once per copy. */
function archivedIds(root: string): string[] {
  const dir = join(root, 'dt=2026-11-27', 'hour=10');
  return readdirSync(dir).flatMap((name) =>
    gunzipSync(readFileSync(join(dir, name)))
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).event_id),
  );
}

describe('archive sink', () => {
  it('replays a batch cut differently after a crash between object and marker without a second copy', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sluice-archive-'));
    const store = openArchiveStore(`${pathToFileURL(root).href}/`, { region: 'us-east-1' });
    const sink = createS3Sink(store);
    await sink.write(range(0, 9));
    // A crashed writer's object for 10..29, whose marker never followed.
    const crashed = createS3Sink({
      ...store,
      put: (key, body, type) =>
        key.startsWith('_progress/') ? Promise.resolve() : store.put(key, body, type),
    });
    await crashed.write(range(10, 29));
    expect(archivedIds(root)).toHaveLength(30);

    // The replay reads from the committed offset 10, in other batches: 10..14, then 15..29.
    await sink.write(range(10, 14));
    await sink.write([...range(15, 29), ...range(0, 2, 4)]);
    const ids = archivedIds(root).filter((id) => id.startsWith('3:'));
    expect(ids.sort()).toEqual(
      range(0, 29)
        .map((r) => (r.data as { event_id: string }).event_id)
        .sort(),
    );
    const marker = JSON.parse(readFileSync(join(root, '_progress/events.enriched-3.json'), 'utf8'));
    expect(marker.archived).toBe('29');

    // Consumed again from the start (an offset reset): nothing new is written.
    const before = readdirSync(join(root, 'dt=2026-11-27', 'hour=10')).sort();
    await sink.write(range(0, 29));
    expect(readdirSync(join(root, 'dt=2026-11-27', 'hour=10')).sort()).toEqual(before);
  });
});
