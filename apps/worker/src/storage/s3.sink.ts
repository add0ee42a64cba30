// The archive sink: every routed event, as the exact bytes consumed, in gzip NDJSON objects named
// by partition and offset range (`dt=.../hour=.../<topic>-<partition>-<first>-<last>.ndjson.gz`).
// A per-partition progress marker records the last offset archived; records at or below it are
// skipped, so a replay after a crash or an offset reset writes no second copy, and a retried
// write of the same records goes to the same key and overwrites itself.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { archiveMarkerKey, archiveObjectKey, type EnrichedEvent } from '@sluice/core';
import type { ArchiveStore } from './archive-store.ts';
import { byPartition, type Sink, type SinkRecord } from './sink.ts';

const gzipAsync = promisify(gzip);

export function createS3Sink(store: ArchiveStore): Sink {
  const archived = new Map<string, bigint>();

  const archivePartition = async (topic: string, partition: number, records: SinkRecord[]) => {
    const markerKey = archiveMarkerKey(topic, partition, store.prefix);
    let floor = archived.get(markerKey);
    if (floor === undefined) {
      const marker = await store.get(markerKey);
      floor = marker ? BigInt(JSON.parse(marker.toString()).archived as string) : -1n;
      archived.set(markerKey, floor);
    }
    const fresh = records.filter((r) => BigInt(r.offset) > (floor as bigint));
    if (fresh.length === 0) return;
    const first = fresh[0] as SinkRecord;
    const last = fresh[fresh.length - 1] as SinkRecord;
    const lines: Buffer[] = [];
    for (const r of fresh) lines.push(r.value, Buffer.from('\n'));
    const key = archiveObjectKey(
      {
        topic,
        partition,
        firstOffset: first.offset,
        lastOffset: last.offset,
        eventTimeMs: (first.data as EnrichedEvent).timestamp_ms ?? first.timestampMs,
      },
      store.prefix,
    );
    await store.put(key, await gzipAsync(Buffer.concat(lines)), 'application/x-ndjson');
    // The marker follows the object: a crash between the two rewrites this object's records on
    // replay (same first offset; the same key when the batch ends at the same offset).
    await store.put(
      markerKey,
      Buffer.from(JSON.stringify({ archived: last.offset, object: key })),
      'application/json',
    );
    archived.set(markerKey, BigInt(last.offset));
  };

  return {
    name: 's3',
    async write(records: readonly SinkRecord[]) {
      await Promise.all(
        byPartition(records).map((list) => {
          const first = list[0] as SinkRecord;
          return archivePartition(first.topic, first.partition, list);
        }),
      );
      return { failed: [] };
    },
    async close() {
      store.close();
    },
  };
}
