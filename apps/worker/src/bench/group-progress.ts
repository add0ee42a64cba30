// How far consumer groups are through their input topics, read from the broker (committed offsets
// against the last stable offsets), and the timed window of a stage: from the first commit of its
// group seen to the poll that finds every watched group caught up. Committed offsets count
// records exactly on topics written without transactions, as the benchmark's preloads are; on a
// transactional topic they also count the commit markers.
import { type Admin, IsolationLevel, isCoordinatorNotReady } from '@sluice/kafka';

export interface GroupTopic {
  group: string;
  topic: string;
}

export interface PartitionEnd {
  partition: number;
  low: number;
  high: number;
}

export interface TopicProgress {
  /** Offsets up to the group's commits (a partition without a commit counts from its start). */
  committed: number;
  /** Offsets up to the end a read_committed reader can reach. */
  end: number;
  lag: number;
  /** Offsets up to the log start: what a group that committed nothing has done. */
  logStart: number;
  /** True once the group's commits moved past the log start on any partition. */
  started: boolean;
}

/** Pure: the sums over partitions; committed offsets below the log start count from the start. */
export function topicProgress(
  ends: readonly PartitionEnd[],
  committed: ReadonlyMap<number, number>,
): TopicProgress {
  let c = 0;
  let e = 0;
  let start = 0;
  for (const p of ends) {
    c += Math.min(p.high, Math.max(p.low, committed.get(p.partition) ?? -1));
    e += p.high;
    start += p.low;
  }
  // A commit at the log start (a writer committing positions before it consumed) is no start.
  return { committed: c, end: e, lag: e - c, logStart: start, started: c > start };
}

async function fetchCommitted(admin: Admin, gt: GroupTopic): Promise<Map<number, number>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await admin.fetchOffsets({ groupId: gt.group, topics: [gt.topic] });
      return new Map(r[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
    } catch (err) {
      // A group the coordinator has not loaded yet answers "not coordinator" for a moment.
      if (!isCoordinatorNotReady(err) || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function readProgress(admin: Admin, gt: GroupTopic): Promise<TopicProgress> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(gt.topic, { isolationLevel: IsolationLevel.READ_COMMITTED }),
    fetchCommitted(admin, gt),
  ]);
  return topicProgress(
    ends.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) })),
    committed,
  );
}

export interface CatchUpOptions {
  admin: Admin;
  /** The first is the stage's input: the window starts at its group's first commit. */
  watch: GroupTopic[];
  pollMs?: number;
  timeoutMs: number;
  /** When the workers were ready (performance.now()), before they committed anything. */
  readyAt: number;
  /** At the first commit seen and when caught up: the stage samples its processes there. */
  onStart(): void;
  onEnd(): void;
  /** Throws when the stage cannot finish (a worker died). */
  check(): void;
  progress(message: string): void;
}

export interface CatchUp {
  /** Input records committed within the window. */
  events: number;
  seconds: number;
  /**
   * The group caught up in the very commit first seen (a small input, a writer's commit
   * interval): the window then runs from the workers' readiness, start-up of the group included.
   */
  fromReady: boolean;
}

/** A name without the run's prefix (`bench-<id>-<part>.`, whose first dot ends it). */
const short = (name: string) => name.slice(name.indexOf('.') + 1);

export async function timeCatchUp(o: CatchUpOptions): Promise<CatchUp> {
  const pollMs = o.pollMs ?? 100;
  const deadline = Date.now() + o.timeoutMs;
  const input = o.watch[0];
  if (!input) throw new Error('nothing to watch');
  let start: { at: number; committed: number } | undefined;
  let lastReport = Date.now();
  for (;;) {
    o.check();
    const states = await Promise.all(o.watch.map((gt) => readProgress(o.admin, gt)));
    const now = performance.now();
    const first = states[0] as TopicProgress;
    const caughtUp = states.every((s) => s.lag === 0);
    if (!start && first.started) {
      if (caughtUp) {
        o.onEnd();
        const events = first.end - first.logStart;
        return { events, seconds: (now - o.readyAt) / 1000, fromReady: true };
      }
      o.onStart();
      start = { at: now, committed: first.committed };
    }
    if (start && caughtUp) {
      o.onEnd();
      const events = first.end - start.committed;
      return { events, seconds: (now - start.at) / 1000, fromReady: false };
    }
    if (Date.now() > deadline)
      throw new Error(
        `not caught up after ${o.timeoutMs / 1000} s: ${o.watch
          .map((gt, i) => `${gt.group} on ${gt.topic} lags ${states[i]?.lag}`)
          .join(', ')}`,
      );
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      const behind = o.watch
        .map((gt, i) => ({ gt, lag: states[i]?.lag ?? 0 }))
        .filter((b, i) => i > 0 && b.lag > 0)
        .map(
          (b) =>
            `${short(b.gt.group)} on ${short(b.gt.topic)} lags ${b.lag.toLocaleString('en-US')}`,
        );
      o.progress(
        `${short(input.group)}: ${first.committed.toLocaleString('en-US')} of ${first.end.toLocaleString('en-US')} committed${behind.length > 0 ? `; ${behind.join(', ')}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
