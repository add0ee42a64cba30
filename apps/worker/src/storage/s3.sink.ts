// The archive sink: every routed event, as the exact bytes consumed, in gzip NDJSON objects named
// by partition and offset range (`dt=.../hour=.../<topic>-<partition>-<first>-<last>.ndjson.gz`).
// A per-partition progress marker records the last offset archived; records at or below it are
// skipped, so a replay after a crash or an offset reset writes no second copy, and a retried
// write of the same records goes to the same key and overwrites itself. The marker is read
// before every write, not cached: after a rebalance another writer may have moved it. A crash
// between an object and its marker leaves an object that the replay's batch (same first offset,
// perhaps another last) would duplicate; objects of the partition starting at that offset under
// another name are deleted once the new one is written (what they held beyond it is past the
// marker, so the next batches archive it again). A record re-published from the DLQ (replay
// headers) comes at a new offset, so the offset naming would archive its event a second time
// with every replay: it goes instead to an object of its own named by its event_id
// (`.../replayed-<topic>-<sha256(event_id)>.ndjson.gz`), which any later replay overwrites.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { archiveMarkerKey, archiveObjectKey, type EnrichedEvent } from '@sluice/core';
import type { ArchiveStore } from './archive-store.ts';
import { byPartition, type Sink, type SinkRecord } from './sink.ts';

const gzipAsync = promisify(gzip);

/** Where a replayed event is archived: by event time and event_id, the same for every replay. */
export function replayedObjectKey(topic: string, eventId: string, eventTimeMs: number): string {
  const iso = new Date(eventTimeMs).toISOString();
  const id = createHash('sha256').update(eventId).digest('hex').slice(0, 32);
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/replayed-${topic}-${id}.ndjson.gz`;
}

export function createS3Sink(store: ArchiveStore): Sink {
  const archiveReplayed = async (r: SinkRecord) => {
    const data = r.data as EnrichedEvent;
    const key = replayedObjectKey(r.topic, data.event_id, data.timestamp_ms ?? r.timestampMs);
    await store.put(
      `${store.prefix}${key}`,
      await gzipAsync(Buffer.concat([r.value, Buffer.from('\n')])),
      'application/x-ndjson',
    );
  };

  const archivePartition = async (topic: string, partition: number, records: SinkRecord[]) => {
    const markerKey = archiveMarkerKey(topic, partition, store.prefix);
    const marker = await store.get(markerKey);
    const floor = marker ? BigInt(JSON.parse(marker.toString()).archived as string) : -1n;
    const all = records.filter((r) => BigInt(r.offset) > floor);
    if (all.length === 0) return;
    const last = all[all.length - 1] as SinkRecord;
    for (const r of all) if (r.replay) await archiveReplayed(r);
    const fresh = all.filter((r) => !r.replay);
    if (fresh.length === 0) {
      await store.put(
        markerKey,
        Buffer.from(JSON.stringify({ archived: last.offset, object: null })),
        'application/json',
      );
      return;
    }
    const first = fresh[0] as SinkRecord;
    const lines: Buffer[] = [];
    for (const r of fresh) lines.push(r.value, Buffer.from('\n'));
    const key = archiveObjectKey(
      {
        topic,
        partition,
        firstOffset: first.offset,
        lastOffset: (fresh[fresh.length - 1] as SinkRecord).offset,
        eventTimeMs: (first.data as EnrichedEvent).timestamp_ms ?? first.timestampMs,
      },
      store.prefix,
    );
    await store.put(key, await gzipAsync(Buffer.concat(lines)), 'application/x-ndjson');
    const sameStart = key.slice(0, key.lastIndexOf('-') + 1);
    for (const other of await store.list(sameStart)) if (other !== key) await store.delete(other);
    // The marker follows the object: a crash between the two rewrites this object's records on
    // replay, and the loop above removes what a differently cut batch left.
    await store.put(
      markerKey,
      Buffer.from(JSON.stringify({ archived: last.offset, object: key })),
      'application/json',
    );
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
