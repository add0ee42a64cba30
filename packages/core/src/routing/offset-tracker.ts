// Decides which offsets the storage writers may commit. Each consumed batch of one partition is
// a segment that waits for every sink it was routed to; a partition's commit point is the first
// offset of its oldest segment not yet durable in all of them (or, when all are durable, the
// offset after the last one). So a slow or failed sink holds back the commit, never loses data,
// and the sinks that did write are not asked to write again except after a crash (where their
// idempotent writes absorb the repeat).

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface CommitPoint extends TopicPartition {
  /** The next offset to read, as Kafka commits it (decimal string). */
  readonly offset: string;
}

interface Segment {
  readonly id: number;
  readonly last: bigint;
  readonly pending: Set<string>;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly segments: Segment[];
  /** Offset after the last segment known durable everywhere; null before the first one. */
  durable: bigint | null;
  committed: bigint | null;
}

export interface OffsetTracker {
  /** Registers a consumed batch `[first, last]` and the sinks it must reach; returns its id. */
  add(tp: TopicPartition, firstOffset: string, lastOffset: string, sinks: Iterable<string>): number;
  /**
   * The sink has made the segment's records durable (written or dead-lettered). True when that
   * made the segment durable in every sink it was routed to.
   */
  done(segmentId: number, sink: string): boolean;
  /**
   * The consumer's position on a partition: every record before it was handed to `add`. Offsets
   * without a record (transaction markers) may lie between the last segment and the position;
   * when none of the partition's segments is pending, its commit point moves to the position, so
   * a caught-up group shows lag 0 on a transactionally written topic instead of 1 per marker.
   */
  consumedTo(position: CommitPoint): void;
  /** Commit points that moved since they were last marked committed. */
  committable(): CommitPoint[];
  markCommitted(point: CommitPoint): void;
  /** Partitions with a segment still waiting for `sink` (the ones to pause when it is down). */
  heldBack(sink: string): TopicPartition[];
  /**
   * Forgets a partition (revoked in a rebalance: its new owner re-reads from the commit);
   * returns the ids of the segments it dropped.
   */
  revoke(tp: TopicPartition): number[];
  /** Segments not yet durable everywhere. */
  pendingSegments(): number;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;
const tpOf = (tp: TopicPartition): TopicPartition => ({ topic: tp.topic, partition: tp.partition });

export function createOffsetTracker(): OffsetTracker {
  const partitions = new Map<string, PartitionState>();
  const byId = new Map<number, { state: PartitionState; segment: Segment }>();
  let nextId = 1;

  const advance = (state: PartitionState) => {
    const s = state.segments;
    while (s.length > 0 && (s[0] as Segment).pending.size === 0) {
      const head = s.shift() as Segment;
      byId.delete(head.id);
      state.durable = head.last + 1n;
    }
  };

  return {
    add(tp, firstOffset, lastOffset, sinks) {
      const key = tpKey(tp);
      let state = partitions.get(key);
      if (!state) {
        state = { ...tp, segments: [], durable: null, committed: null };
        partitions.set(key, state);
      }
      const first = BigInt(firstOffset);
      // The first segment also fixes where this partition starts: nothing before it is ours.
      if (state.durable === null && state.segments.length === 0) state.durable = first;
      const segment: Segment = { id: nextId++, last: BigInt(lastOffset), pending: new Set(sinks) };
      state.segments.push(segment);
      byId.set(segment.id, { state, segment });
      advance(state);
      return segment.id;
    },
    consumedTo(position) {
      const key = tpKey(position);
      const at = BigInt(position.offset);
      const state = partitions.get(key);
      if (!state) {
        // Nothing consumed since it was assigned but markers: the position is the commit point.
        partitions.set(key, { ...tpOf(position), segments: [], durable: at, committed: null });
        return;
      }
      if (state.segments.length === 0 && (state.durable === null || at > state.durable))
        state.durable = at;
    },
    done(segmentId, sink) {
      const entry = byId.get(segmentId);
      if (!entry) return false; // revoked meanwhile
      entry.segment.pending.delete(sink);
      const complete = entry.segment.pending.size === 0;
      advance(entry.state);
      return complete;
    },
    committable() {
      const out: CommitPoint[] = [];
      for (const st of partitions.values()) {
        if (st.durable !== null && (st.committed === null || st.durable > st.committed))
          out.push({ topic: st.topic, partition: st.partition, offset: st.durable.toString() });
      }
      return out;
    },
    markCommitted(point) {
      const st = partitions.get(tpKey(point));
      if (st) st.committed = BigInt(point.offset);
    },
    heldBack(sink) {
      const out: TopicPartition[] = [];
      for (const st of partitions.values()) {
        if (st.segments.some((seg) => seg.pending.has(sink)))
          out.push({ topic: st.topic, partition: st.partition });
      }
      return out;
    },
    revoke(tp) {
      const st = partitions.get(tpKey(tp));
      if (!st) return [];
      for (const seg of st.segments) byId.delete(seg.id);
      partitions.delete(tpKey(tp));
      return st.segments.map((seg) => seg.id);
    },
    pendingSegments: () => byId.size,
  };
}
