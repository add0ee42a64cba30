// lag_samples in PostgreSQL/TimescaleDB: the monitor appends one row per group partition per
// poll; the one-shot `sluice lag` reads recent rows back to rebuild the offset/time table. A
// partition without a commit is a row with committed_offset NULL and its lag from the log start.
import {
  type GroupOffsets,
  type LagReport,
  type LagSnapshot,
  type PartitionOffset,
  samplePosition,
} from '@sluice/core';
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
    offset_lag: string | null;
  }>(
    `SELECT (extract(epoch FROM sampled_at) * 1000)::bigint AS at_ms, group_id, topic, partition,
            committed_offset, end_offset, offset_lag
       FROM lag_samples
      WHERE sampled_at >= $1 AND ($2::text[] IS NULL OR group_id = ANY($2))
      ORDER BY sampled_at`,
    [new Date(sinceMs), groups ? [...groups] : null],
  );
  type Group = GroupOffsets & {
    committed: PartitionOffset[];
    uncommitted: { topic: string; partition: number }[];
  };
  const byTime = new Map<
    number,
    { ends: Map<string, PartitionOffset>; starts: PartitionOffset[]; groups: Map<string, Group> }
  >();
  for (const r of rows) {
    const atMs = Number(r.at_ms);
    let snap = byTime.get(atMs);
    if (!snap) {
      snap = { ends: new Map(), starts: [], groups: new Map() };
      byTime.set(atMs, snap);
    }
    const tp = { topic: r.topic, partition: r.partition };
    const endOffset = Number(r.end_offset);
    snap.ends.set(`${r.topic}\u0000${r.partition}`, { ...tp, offset: endOffset });
    const committed = r.committed_offset === null ? null : Number(r.committed_offset);
    const position = samplePosition({
      committedOffset: committed,
      endOffset,
      offsetLag: r.offset_lag === null ? null : Number(r.offset_lag),
    });
    if (position === null) continue;
    let g = snap.groups.get(r.group_id);
    if (!g) {
      g = { groupId: r.group_id, members: 1, committed: [], uncommitted: [] };
      snap.groups.set(r.group_id, g);
    }
    if (committed !== null) {
      g.committed.push({ ...tp, offset: committed });
    } else {
      // The log start the lag was counted from: the history replays it as it was.
      g.uncommitted.push(tp);
      snap.starts.push({ ...tp, offset: position });
    }
  }
  return [...byTime].map(([atMs, s]) => ({
    atMs,
    endOffsets: [...s.ends.values()],
    startOffsets: s.starts,
    groups: [...s.groups.values()],
  }));
}
