// How long a killed worker's partitions take to move again, read from the consumer group as the
// broker sees it (the admin API's describeGroups), independent of what the workers log. A kill is
// recovered once none of the killed instance's group members is left, the group is Stable again
// and every partition of the group's input topics is assigned to a live member.
import type { Admin } from '@sluice/kafka';
import { kafka } from '../support/kafka-reader.ts';

// librdkafka's ConsumerGroupStates, by value (as @sluice/kafka's console reader names them).
const STABLE = 3;

export interface GroupWatch {
  group: string;
  /** Input topics and their partition counts. */
  topics: Map<string, number>;
}

export interface Move {
  group: string;
  workerId: string;
  /** Partitions the killed instance held when it was killed. */
  held: number;
  /** Milliseconds from the kill until the partitions were all assigned again; null: never seen. */
  movedMs: number | null;
}

interface Pending {
  move: Move;
  killedAt: number;
  victims: Set<string>;
  watch: GroupWatch;
  done: () => void;
}

export interface MoveTracker {
  /**
   * Notes the instance's members just before `kill` runs it down, then watches the group.
   * `moved` resolves once its partitions moved, or when `stop` ends the watch (movedMs null).
   */
  track(
    watch: GroupWatch,
    workerId: string,
    kill: () => Promise<void>,
  ): Promise<{ move: Move; moved: Promise<Move> }>;
  stop(): Promise<void>;
}

/** The client id the stage runner gives a worker's consumer (`${group}-${workerId}`). */
const clientIdOf = (group: string, workerId: string) => `${group}-${workerId}`;

export async function startMoveTracker(pollMs = 250): Promise<MoveTracker> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  const pending = new Set<Pending>();
  let stopped = false;

  const describe = async (groups: string[]) =>
    new Map((await admin.describeGroups(groups)).groups.map((g) => [g.groupId, g]));

  const loop = (async () => {
    while (!stopped) {
      if (pending.size > 0) {
        const now = Date.now();
        const described = await describe([
          ...new Set([...pending].map((p) => p.watch.group)),
        ]).catch(() => undefined);
        for (const p of described ? pending : []) {
          const g = described?.get(p.watch.group);
          if (!g || g.state !== STABLE) continue;
          if (g.members.some((m) => p.victims.has(m.memberId))) continue;
          const assigned = new Set(
            g.members.flatMap((m) =>
              (m.assignment?.topicPartitions ?? []).map((tp) => `${tp.topic}/${tp.partition}`),
            ),
          );
          let complete = true;
          for (const [topic, n] of p.watch.topics)
            for (let i = 0; i < n; i++) if (!assigned.has(`${topic}/${i}`)) complete = false;
          if (!complete) continue;
          p.move.movedMs = now - p.killedAt;
          pending.delete(p);
          p.done();
        }
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();

  return {
    async track(watch, workerId, kill) {
      const g = (await describe([watch.group])).get(watch.group);
      const mine = (g?.members ?? []).filter(
        (m) => m.clientId === clientIdOf(watch.group, workerId),
      );
      const move: Move = {
        group: watch.group,
        workerId,
        held: mine.reduce((n, m) => n + (m.assignment?.topicPartitions ?? []).length, 0),
        movedMs: null,
      };
      const killedAt = Date.now();
      await kill();
      const moved = new Promise<Move>((resolve) => {
        pending.add({
          move,
          killedAt,
          victims: new Set(mine.map((m) => m.memberId)),
          watch,
          done: () => resolve(move),
        });
      });
      return { move, moved };
    },
    async stop() {
      stopped = true;
      await loop;
      for (const p of pending) p.done();
      pending.clear();
      await admin.disconnect();
    },
  };
}
