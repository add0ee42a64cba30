// Which archive object holds a record, from its partition and offset. The archive names each
// object by the partition and the first and last offsets of the batch it holds, under dt=/hour=
// of the batch's FIRST record's event time, so the key cannot be computed from one record alone:
// the object is found by listing the candidate hours (the record's own and the two around it,
// where a batch that began with a slightly earlier or later event would sit) and picking the
// name whose offset range holds the offset. A batch whose first event is further away in event
// time is not found this way; the archive's progress marker still tells whether it was archived.
import { parseArchiveObjectName } from '../routing/archive-key.ts';

/** Key prefixes to list: `dt=…/hour=…/<topic>-<partition>-` for the hour before, of and after. */
export function archiveSearchPrefixes(
  topic: string,
  partition: number,
  eventTimeMs: number,
  prefix = '',
): string[] {
  return [-1, 0, 1].map((h) => {
    const iso = new Date(
      Math.floor(eventTimeMs / 3_600_000) * 3_600_000 + h * 3_600_000,
    ).toISOString();
    return `${prefix}dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${topic}-${partition}-`;
  });
}

/** The key among `keys` whose partition and offset range hold the record, or null. */
export function archiveObjectHolding(
  keys: readonly string[],
  topic: string,
  partition: number,
  offset: number,
): string | null {
  const at = BigInt(offset);
  for (const key of keys) {
    const o = parseArchiveObjectName(key);
    if (!o || o.topic !== topic || o.partition !== partition) continue;
    if (BigInt(o.firstOffset) <= at && at <= BigInt(o.lastOffset)) return key;
  }
  return null;
}
