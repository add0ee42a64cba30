// Restores partitions' window and session state from the compacted changelog. Each transaction
// writes a partition's changed entries and then its meta entry, which carries the input offset
// committed in the same transaction. So the state that belongs to the group's committed offset
// O is everything up to the meta entry whose position is O: read the changelog with
// read_committed until that entry appears. This needs no "end of partition" detection (which
// transaction markers make unreliable) and ignores any later, uncommitted or fenced writes.
//
// An offset the group got from outside the stage (`sluice stage reset`, the console's reset,
// Kafka's own tools) carries no transaction token, and no meta entry names it: waiting for one
// timed out and failed the worker at every restart. Such a partition restores the latest state
// in its changelog instead (read up to the partition's last stable offset, whose position passes
// markers too). Its meta entry's position still tells the stage which records the state holds:
// read again after a reset backwards, they are skipped, not counted twice.
import { META_KEY, metaEntryPosition } from '@sluice/core';
import {
  createExactlyOnceConsumer,
  ErrorCodes,
  IsolationLevel,
  type Kafka,
  readPartitionRanges,
} from '@sluice/kafka';

export interface RestoreTarget {
  partition: number;
  /** The committed position (`changelogPosition`); the restore ends at the meta entry naming it. */
  position: string;
  /**
   * The committed offset has no transaction token: it was set outside the stage (an offsets
   * reset), so no meta entry names it and the latest state is restored instead.
   */
  latest?: boolean;
}

export interface RestoreOptions {
  brokers: string[];
  kafka: Kafka;
  changelogTopic: string;
  changelogPartitions: number;
  groupId: string;
  timeoutMs: number;
}

/**
 * The position a meta entry names: the committed input offset, and the token of the transaction
 * that committed it (the offset's metadata) when there is one. Several transactions can commit
 * the same offset (an idle tick closes windows without reading anything): the token tells them
 * apart, so a restore stops at the one the group committed last, not the first.
 */
export const changelogPosition = (offset: number, token: string | undefined): string =>
  token === undefined ? String(offset) : `${offset}@${token}`;

/** The input offset of a meta entry's position. */
export const positionOffset = (position: string | undefined): number =>
  position === undefined ? 0 : Number.parseInt(position, 10);

export const changelogPartitionOf = (partition: number, partitions: number) =>
  partition % partitions;

/** Where a partition restored to the latest state of its changelog stands (for the log). */
export interface LatestRestore {
  partition: number;
  /** The committed position the restore could not find. */
  committed: string;
  /** The position named by the last meta entry read, if any: where that state was committed. */
  statePosition: string | undefined;
}

export async function restoreFromChangelog(
  o: RestoreOptions,
  targets: readonly RestoreTarget[],
  onLatest?: (r: LatestRestore) => void,
): Promise<Map<number, Map<string, string>>> {
  const states = new Map<number, Map<string, string>>(targets.map((t) => [t.partition, new Map()]));
  const latest = targets.filter((t) => t.latest);
  if (latest.length > 0) await restoreLatest(o, latest, states, onLatest);
  const exact = targets.filter((t) => !t.latest);
  if (exact.length === 0) return states;
  await restoreToPositions(o, exact, states);
  return states;
}

const splitKey = (key: string) => {
  const bar = key.indexOf('|');
  return { partition: Number(key.slice(0, bar)), stateKey: key.slice(bar + 1) };
};

/** Everything up to the changelog partitions' last stable offsets as the restore begins. */
async function restoreLatest(
  o: RestoreOptions,
  targets: readonly RestoreTarget[],
  states: Map<number, Map<string, string>>,
  onLatest?: (r: LatestRestore) => void,
): Promise<void> {
  const admin = o.kafka.admin();
  await admin.connect();
  let ends: Map<number, number>;
  try {
    const offsets = await admin.fetchTopicOffsets(o.changelogTopic, {
      isolationLevel: IsolationLevel.READ_COMMITTED,
    });
    ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const wanted = new Set(targets.map((t) => t.partition));
  const statePositions = new Map<number, string | undefined>();
  const changelogPartitions = new Set(
    targets.map((t) => changelogPartitionOf(t.partition, o.changelogPartitions)),
  );
  await readPartitionRanges({
    brokers: o.brokers,
    clientId: `${o.groupId}-latest`,
    ranges: [...changelogPartitions].map((partition) => ({
      topic: o.changelogTopic,
      partition,
      sinceMs: 0,
      untilOffset: ends.get(partition) ?? 0,
    })),
    timeoutMs: o.timeoutMs,
    onMessages(messages) {
      for (const m of messages) {
        const { partition, stateKey } = splitKey(m.key?.toString() ?? '');
        const state = states.get(partition);
        if (state === undefined || !wanted.has(partition)) continue;
        const value = m.value === null ? null : m.value.toString();
        if (value === null) state.delete(stateKey);
        else state.set(stateKey, value);
        if (stateKey === META_KEY && value !== null)
          statePositions.set(partition, metaEntryPosition(value));
      }
    },
  });
  for (const t of targets)
    onLatest?.({
      partition: t.partition,
      committed: t.position,
      statePosition: statePositions.get(t.partition),
    });
}

/** Each partition's state up to the meta entry that names its committed position. */
async function restoreToPositions(
  o: RestoreOptions,
  targets: readonly RestoreTarget[],
  states: Map<number, Map<string, string>>,
): Promise<void> {
  const pending = new Map(targets.map((t) => [t.partition, t.position]));
  const wanted = new Set(
    targets.map((t) => changelogPartitionOf(t.partition, o.changelogPartitions)),
  );
  // A throwaway group that takes only the changelog partitions we need (the callback narrows
  // the assignment); it commits nothing.
  const consumer = createExactlyOnceConsumer(
    o.kafka,
    `${o.groupId}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    true,
    {
      rebalance_cb: (err: { code: number }, assignment: { topic: string; partition: number }[]) =>
        err.code === ErrorCodes.ERR__ASSIGN_PARTITIONS
          ? assignment.filter((a) => wanted.has(a.partition))
          : undefined,
    } as never,
  );
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [o.changelogTopic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { partition, stateKey } = splitKey(message.key?.toString() ?? '');
        const state = states.get(partition);
        if (state === undefined || !pending.has(partition)) return;
        const value = message.value?.toString() ?? null;
        if (value === null) state.delete(stateKey);
        else state.set(stateKey, value);
        if (
          stateKey === META_KEY &&
          value !== null &&
          metaEntryPosition(value) === pending.get(partition)
        ) {
          pending.delete(partition);
          if (pending.size === 0) finish();
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `changelog restore timed out after ${o.timeoutMs} ms; partitions without their committed state: ${[...pending.keys()].join(',')}`,
            ),
          ),
        o.timeoutMs,
      );
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
}
