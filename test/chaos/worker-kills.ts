// Disruption: every few seconds, SIGKILL a random worker of a random role (roles drawn in
// shuffled rounds, so each is hit as often as the others) and start its
// replacement under the same id at once, as an orchestrator restarts a pod. Each kill records how
// long the role took to move again: for a consumer group, until its partitions were all assigned
// to live members (partition-moves.ts); for the lag monitor, which has none, until the
// replacement polled.
import type { Disruption, Recovery } from './disruption.ts';
import { startMoveTracker } from './partition-moves.ts';
import type { Role } from './worker-fleet.ts';

export interface WorkerKillOptions {
  roles: Role[];
  /** A kill every this many milliseconds, drawn uniformly. */
  everyMs: [min: number, max: number];
  /** How long to wait for the last kill's recovery after traffic stopped. */
  settleMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export function workerKills(o: WorkerKillOptions): Disruption {
  return {
    name: 'worker kills',
    async run(ctx, signal) {
      const tracker = await startMoveTracker();
      const recoveries: Recovery[] = [];
      const waits: Promise<unknown>[] = [];
      const kills = new Map<Role, number>();
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(ctx.random() * xs.length)] as T;
      // Roles come in shuffled rounds: random, yet every role is hit once per round. A role whose
      // last kill has not recovered yet waits for a later turn, so each recovery time is one
      // kill's, not two overlapping ones'; the other roles are killed meanwhile.
      const bag: Role[] = [];
      const recovering = new Set<Role>();
      const nextRole = (): Role | undefined => {
        if (bag.length === 0) {
          bag.push(...o.roles);
          for (let i = bag.length - 1; i > 0; i--) {
            const j = Math.floor(ctx.random() * (i + 1));
            [bag[i], bag[j]] = [bag[j] as Role, bag[i] as Role];
          }
        }
        const i = bag.findLastIndex((r) => !recovering.has(r));
        return i === -1 ? undefined : bag.splice(i, 1)[0];
      };
      try {
        for (;;) {
          const [lo, hi] = o.everyMs;
          await sleep(lo + ctx.random() * (hi - lo), signal);
          if (signal.aborted) break;
          let role = nextRole();
          while (role === undefined && !signal.aborted) {
            await sleep(250, signal);
            role = nextRole();
          }
          if (role === undefined) break;
          recovering.add(role);
          const done = () => recovering.delete(role);
          const slot = pick(ctx.fleet.slots.filter((s) => s.role === role));
          const spec = ctx.roles[role];
          const r: Recovery = {
            what: `kill ${slot.id}`,
            atS: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
            recoveredMs: null,
          };
          recoveries.push(r);
          kills.set(role, (kills.get(role) ?? 0) + 1);
          if (spec.group !== undefined) {
            const topics = new Map(
              spec.inputs.map((t) => [t, Number(ctx.run.env.TOPIC_PARTITIONS ?? 12)]),
            );
            const { move, moved } = await tracker.track(
              { group: spec.group, topics },
              slot.id,
              () => ctx.fleet.kill(slot),
            );
            ctx.fleet.restart(slot);
            r.detail = `held ${move.held} partitions`;
            waits.push(
              moved.then((m) => {
                r.recoveredMs = m.movedMs;
                done();
              }),
            );
          } else {
            const killedAt = Date.now();
            await ctx.fleet.kill(slot);
            ctx.fleet.restart(slot);
            const replacement = slot.worker;
            waits.push(
              replacement.waitForLog(spec.ready, 120_000).then(() => {
                r.recoveredMs = Date.now() - killedAt;
                done();
              }, done),
            );
          }
        }
        // Every kill's recovery, or as long as settleMs allows.
        await Promise.race([Promise.all(waits), sleep(o.settleMs ?? 120_000)]);
      } finally {
        await tracker.stop();
      }
      const moved = recoveries.flatMap((r) => (r.recoveredMs === null ? [] : [r.recoveredMs]));
      return {
        recoveries,
        figures: {
          kills: `${recoveries.length} (${[...kills].map(([k, n]) => `${k} ${n}`).join(', ')})`,
          'recovery max': moved.length ? `${(Math.max(...moved) / 1000).toFixed(1)} s` : 'n/a',
          'recovery median': moved.length
            ? `${((moved.sort((a, b) => a - b)[Math.floor(moved.length / 2)] as number) / 1000).toFixed(1)} s`
            : 'n/a',
          'never recovered': recoveries.length - moved.length,
        },
      };
    },
  };
}
