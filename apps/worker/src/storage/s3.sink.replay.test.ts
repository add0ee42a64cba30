// The archive sink and replayed records (replay headers): each replayed event is archived once,
// in an object named by its event_id that every later replay overwrites, while the partition's
// offset marker still moves past it.
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

function record(offset: number, id: string, replay?: SinkRecord['replay']): SinkRecord {
  const data = { event_id: id, type: 'pageview', timestamp_ms: T };
  return {
    kind: 'event',
    topic: 'events.enriched',
    partition: 0,
    offset: String(offset),
    timestampMs: T,
    key: null,
    value: Buffer.from(JSON.stringify(data)),
    data: data as unknown as EnrichedEvent,
    replay,
  };
}

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

describe('archive sink and replays', () => {
  it('archives a replayed event once, however many times it is replayed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sluice-archive-replay-'));
    const sink = createS3Sink(openArchiveStore(`${pathToFileURL(root).href}/`, { region: 'x' }));
    await sink.write([record(0, 'a'), record(1, 'b')]);
    await sink.write([record(2, 'x', { job: '1', entry: '9' }), record(3, 'c')]);
    await sink.write([record(4, 'x', { job: '2', entry: '9' })]);
    await sink.write([record(5, 'x', { job: '1', entry: '9' }), record(6, 'd')]);
    expect(archivedIds(root).sort()).toEqual(['a', 'b', 'c', 'd', 'x']);
    // The marker moved past the replays: the same batches again write nothing new.
    await sink.write([record(4, 'x', { job: '2', entry: '9' }), record(6, 'd')]);
    expect(archivedIds(root).sort()).toEqual(['a', 'b', 'c', 'd', 'x']);
    const marker = JSON.parse(
      readFileSync(join(root, '_progress', 'events.enriched-0.json'), 'utf8'),
    );
    expect(marker.archived).toBe('6');
  });
});
