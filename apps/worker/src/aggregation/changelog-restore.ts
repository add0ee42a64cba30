// Restores partitions' window and session state from the compacted changelog. Each transaction
// writes a partition's changed entries and then its meta entry, which carries the input offset
// committed in the same transaction. So the state that belongs to the group's committed offset
// O is everything up to the meta entry whose position is O: read the changelog with
// read_committed until that entry appears. This needs no "end of partition" detection (which
// transaction markers make unreliable) and ignores any later, uncommitted or fenced writes.
import { createExactlyOnceConsumer, ErrorCodes, type Kafka } from '@sluice/kafka';

export interface RestoreTarget {
  partition: number;
  /** The committed position (`changelogPosition`); the restore ends at the meta entry naming it. */
  position: string;
}

export interface RestoreOptions {
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

export async function restoreFromChangelog(
  o: RestoreOptions,
  targets: readonly RestoreTarget[],
): Promise<Map<number, Map<string, string>>> {
  const states = new Map<number, Map<string, string>>(targets.map((t) => [t.partition, new Map()]));
  if (targets.length === 0) return states;
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
        const key = message.key?.toString() ?? '';
        const bar = key.indexOf('|');
        const partition = Number(key.slice(0, bar));
        const state = states.get(partition);
        if (state === undefined || !pending.has(partition)) return;
        const stateKey = key.slice(bar + 1);
        const value = message.value?.toString() ?? null;
        if (value === null) state.delete(stateKey);
        else state.set(stateKey, value);
        if (
          stateKey === 'm' &&
          value !== null &&
          JSON.parse(value).pos === pending.get(partition)
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
  return states;
}
