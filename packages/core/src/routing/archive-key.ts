// Object keys of the event archive (S3 or a local directory). Hive-style partitions so Athena,
// Spark or DuckDB prune by date and hour; the name carries the partition and the offset range,
// so the same records always land under the same key and a retried write overwrites itself.

export interface ArchiveObject {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** Event time of the object's first record (epoch ms): it chooses dt= and hour=. */
  readonly eventTimeMs: number;
}

export function archiveObjectKey(o: ArchiveObject, prefix = ''): string {
  const iso = new Date(o.eventTimeMs).toISOString();
  const dt = iso.slice(0, 10);
  const hour = iso.slice(11, 13);
  return `${prefix}dt=${dt}/hour=${hour}/${o.topic}-${o.partition}-${o.firstOffset}-${o.lastOffset}.ndjson.gz`;
}

/** The per-partition progress marker: where the archive records what it already holds. */
export function archiveMarkerKey(topic: string, partition: number, prefix = ''): string {
  return `${prefix}_progress/${topic}-${partition}.json`;
}

const OBJECT_NAME = /^(.+)-(\d+)-(\d+)-(\d+)\.ndjson\.gz$/;

/** Parses an object name back into its partition and offsets (null for other files). */
export function parseArchiveObjectName(
  name: string,
): { topic: string; partition: number; firstOffset: string; lastOffset: string } | null {
  const m = OBJECT_NAME.exec(name.slice(name.lastIndexOf('/') + 1));
  if (!m) return null;
  return {
    topic: m[1] as string,
    partition: Number(m[2]),
    firstOffset: m[3] as string,
    lastOffset: m[4] as string,
  };
}
