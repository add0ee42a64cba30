// An offset reset planned before it applies: for each partition of a stopped stage's inputs, the
// committed offset now, the offset it would get, and how many records that reads again or skips.
// Pure: the Kafka package reads the offsets and commits the plan.

export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  /** The first record at or after this time (epoch ms); the end where there is none. */
  | { kind: 'timestamp'; ms: number }
  /** Explicit offsets per partition ("topic:partition" → offset); other partitions unchanged. */
  | { kind: 'offsets'; offsets: ReadonlyMap<string, number> };

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** The group's committed offset; null when it has none (it then starts at the log start). */
  committed: number | null;
  /** Log start and end (the last stable offset, for read_committed readers). */
  low: number;
  high: number;
  /** For a timestamp target: the offset of the first record at or after it, null if none. */
  atTimestamp?: number | null;
}

export interface ResetRow {
  topic: string;
  partition: number;
  current: number | null;
  next: number;
  /** Records between the new offset and the current one, read again. */
  reprocess: number;
  /** Records between the current offset and the new one, never read. */
  skip: number;
}

export interface ResetPlan {
  rows: ResetRow[];
  reprocess: number;
  skip: number;
  /** Problems that make the plan unusable (an explicit offset outside its partition's log). */
  errors: string[];
}

export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

export function planOffsetReset(
  parts: readonly PartitionOffsets[],
  target: ResetTarget,
): ResetPlan {
  const errors: string[] = [];
  if (target.kind === 'offsets') {
    const known = new Set(parts.map((p) => partitionKey(p.topic, p.partition)));
    for (const key of target.offsets.keys())
      if (!known.has(key)) errors.push(`${key}: no such partition among the stage's inputs`);
  }
  const rows: ResetRow[] = [];
  for (const p of parts) {
    const current = p.committed;
    let next: number;
    switch (target.kind) {
      case 'earliest':
        next = p.low;
        break;
      case 'latest':
        next = p.high;
        break;
      case 'timestamp':
        next = p.atTimestamp ?? p.high;
        break;
      case 'offsets': {
        const wanted = target.offsets.get(partitionKey(p.topic, p.partition));
        if (wanted === undefined) {
          // Not named: stays where it is (a partition with no commit keeps none).
          if (current === null) continue;
          next = current;
          break;
        }
        if (wanted < p.low || wanted > p.high)
          errors.push(
            `${partitionKey(p.topic, p.partition)}: offset ${wanted} is outside the log (${p.low}..${p.high})`,
          );
        next = wanted;
        break;
      }
    }
    // Without a commit the group would start at the log start (auto.offset.reset=earliest).
    const from = current ?? p.low;
    rows.push({
      topic: p.topic,
      partition: p.partition,
      current,
      next,
      reprocess: Math.max(0, from - next),
      skip: Math.max(0, next - from),
    });
  }
  return {
    rows,
    reprocess: rows.reduce((s, r) => s + r.reprocess, 0),
    skip: rows.reduce((s, r) => s + r.skip, 0),
    errors,
  };
}

/**
 * Explicit offsets as typed: `topic:partition=offset` pairs separated by commas, or
 * `partition=offset` when the stage reads one topic. Throws naming the first bad pair.
 */
export function parseOffsetSpec(spec: string, topics: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of spec.split(',')) {
    const pair = raw.trim();
    if (!pair) continue;
    const m = /^(?:(.+):)?(\d+)=(\d+)$/.exec(pair);
    if (!m) throw new Error(`"${pair}": expected topic:partition=offset or partition=offset`);
    const [, topic, partition, offset] = m;
    const t = topic ?? (topics.length === 1 ? topics[0] : undefined);
    if (t === undefined)
      throw new Error(`"${pair}": name the topic (the stage reads ${topics.join(', ')})`);
    if (!topics.includes(t)) throw new Error(`"${pair}": ${t} is not an input of the stage`);
    out.set(partitionKey(t, Number(partition)), Number(offset));
  }
  if (out.size === 0) throw new Error('no offsets given');
  return out;
}

/** A reset target as a person gives it (the CLI's flags, the console's form). */
export type ResetTargetInput =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; at: string }
  | { kind: 'offsets'; spec: string };

/** The target to plan with; throws naming the bad time or offset pair. */
export function resetTargetOf(input: ResetTargetInput, topics: readonly string[]): ResetTarget {
  switch (input.kind) {
    case 'timestamp': {
      const ms = Date.parse(input.at);
      if (Number.isNaN(ms)) throw new Error(`"${input.at}": not a date and time (ISO 8601)`);
      return { kind: 'timestamp', ms };
    }
    case 'offsets':
      return { kind: 'offsets', offsets: parseOffsetSpec(input.spec, topics) };
    default:
      return { kind: input.kind };
  }
}
