// lag_samples in PostgreSQL/TimescaleDB: the monitor appends one row per group partition per
// poll; the one-shot `sluice lag` reads recent rows back to rebuild the offset/time table.
import type { GroupOffsets, LagReport, LagSnapshot, PartitionOffset } from '@sluice/core';
import { type Database, lagSamples } from '@sluice/db';

// 10 columns a row; PostgreSQL takes at most 65,535 bind parameters per statement.
const ROWS_PER_INSERT = 1000;

export async function insertLagSamples(db: Database, report: LagReport): Promise<number> {
  const sampledAt = new Date(report.atMs);
  const rows = report.groups.flatMap((g) =>
    g.partitions.map((p) => ({
      sampledAt,
      groupId: p.group,
      topic: p.topic,
      partition: p.partition,
      committedOffset: p.committedOffset,
      endOffset: p.endOffset,
      offsetLag: p.offsetLag,
      timeLagS: p.timeLagS,
      timeLagEstimated: p.timeLagEstimated,
      status: p.status,
    })),
  );
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    // A retried poll with the same timestamp must not fail on the primary key.
    await db
      .insert(lagSamples)
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .onConflictDoNothing();
  }
  return rows.length;
}

/**
 * Past polls since `sinceMs` as snapshots, oldest first. Membership is not stored, so history
 * snapshots claim one member: they only build tables and windows, and the status that counts is
 * computed from the live snapshot that follows them.
 */
export async function readLagHistory(
  db: Database,
  sinceMs: number,
  groups?: readonly string[],
): Promise<LagSnapshot[]> {
  // Plain SQL through the pool: a range scan on the hypertable's time index, no ORM needed.
  const { rows } = await db.$client.query<{
    at_ms: string;
    group_id: string;
    topic: string;
    partition: number;
    committed_offset: string | null;
    end_offset: string;
  }>(
    `SELECT (extract(epoch FROM sampled_at) * 1000)::bigint AS at_ms, group_id, topic, partition,
            committed_offset, end_offset
       FROM lag_samples
      WHERE sampled_at >= $1 AND ($2::text[] IS NULL OR group_id = ANY($2))
      ORDER BY sampled_at`,
    [new Date(sinceMs), groups ? [...groups] : null],
  );
  const byTime = new Map<
    number,
    { ends: Map<string, PartitionOffset>; groups: Map<string, GroupOffsets> }
  >();
  for (const r of rows) {
    const atMs = Number(r.at_ms);
    let snap = byTime.get(atMs);
    if (!snap) {
      snap = { ends: new Map(), groups: new Map() };
      byTime.set(atMs, snap);
    }
    const endOffset = { topic: r.topic, partition: r.partition, offset: Number(r.end_offset) };
    snap.ends.set(`${r.topic}\u0000${r.partition}`, endOffset);
    if (r.committed_offset === null) continue;
    let g = snap.groups.get(r.group_id);
    if (!g) {
      g = { groupId: r.group_id, members: 1, committed: [] };
      snap.groups.set(r.group_id, g);
    }
    (g.committed as PartitionOffset[]).push({ ...endOffset, offset: Number(r.committed_offset) });
  }
  return [...byTime].map(([atMs, s]) => ({
    atMs,
    endOffsets: [...s.ends.values()],
    groups: [...s.groups.values()],
  }));
}
