// The pipeline's workers as an orchestrator runs them: several `sluice worker` processes per role,
// each under a stable id (a StatefulSet's pod name), restarted under the same id when one dies,
// so its transactional id fences whatever its predecessor left open. Every process's log is kept
// for the report, and a process that exits without being killed by the run is counted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineNames } from '@sluice/core';
import { startSluice, type Worker } from '../support/sluice-cli.ts';

export type Role = 'enrichment' | 'aggregation' | 'storage' | 'lag-monitor';

export interface RoleSpec {
  role: Role;
  /** The consumer group whose partitions move when a worker of this role dies. */
  group?: string;
  /** The topics that group reads. */
  inputs: string[];
  args(workerId: string): string[];
  /** A log line saying the worker does its work. */
  ready: RegExp;
}

/**
 * The long-running roles of the pipeline. The DLQ indexer joins this table (and so the kills)
 * with its own row once the worker exists.
 */
export function pipelineRoles(names: PipelineNames): Record<Role, RoleSpec> {
  const { topics, groups } = names;
  const stage = (role: Role, group: string, inputs: string[]): RoleSpec => ({
    role,
    group,
    inputs,
    args: (id) => ['worker', role, '--metrics-port', '0', '--worker-id', id],
    ready: /running; metrics on/,
  });
  return {
    enrichment: stage('enrichment', groups.enrichment, [topics.raw]),
    aggregation: stage('aggregation', groups.aggregation, [topics.enriched]),
    storage: stage('storage', groups.storage, [
      topics.enriched,
      topics.aggregates,
      topics.sessions,
    ]),
    'lag-monitor': {
      role: 'lag-monitor',
      inputs: [],
      args: () => [
        'worker',
        'lag-monitor',
        '--interval',
        '2',
        '--metrics-port',
        '0',
        '--group',
        groups.enrichment,
        groups.aggregation,
        groups.storage,
      ],
      ready: /"msg":"poll"/,
    },
  };
}

export interface Slot {
  role: Role;
  id: string;
  worker: Worker;
  /** How many times this slot's process was started. */
  starts: number;
  /** Set just before the run signals it, so its exit is not counted as unexpected. */
  signalled: boolean;
}

export interface UnexpectedExit {
  role: Role;
  id: string;
  code: number | null;
  logTail: string;
}

export interface Fleet {
  readonly slots: readonly Slot[];
  readonly unexpectedExits: readonly UnexpectedExit[];
  /** Waits until every current process logged its ready line. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILLs the slot's process and waits for it to be gone. */
  kill(slot: Slot): Promise<void>;
  /** Starts the slot again under the same id. */
  restart(slot: Slot): void;
  /** SIGTERMs every process and returns each one's exit code. */
  stopAll(timeoutMs?: number): Promise<{ role: Role; id: string; code: number | null }[]>;
  /** Writes every process's log (all generations) under a directory that outlives the run. */
  saveLogs(runName: string): string;
}

export function startFleet(
  roles: Record<Role, RoleSpec>,
  perRole: Partial<Record<Role, number>>,
  env: NodeJS.ProcessEnv,
): Fleet {
  const slots: Slot[] = [];
  const unexpectedExits: UnexpectedExit[] = [];
  const logs: { name: string; log: () => string }[] = [];

  const launch = (slot: Omit<Slot, 'worker'> & { worker?: Worker }): Slot => {
    const spec = roles[slot.role];
    const worker = startSluice(spec.args(slot.id), env);
    const s = slot as Slot;
    s.worker = worker;
    s.signalled = false;
    s.starts += 1;
    logs.push({ name: `${slot.role}-${slot.id}-${s.starts}`, log: worker.log });
    void worker.exited.then((code) => {
      if (s.worker === worker && !s.signalled)
        unexpectedExits.push({
          role: s.role,
          id: s.id,
          code,
          logTail: worker.log().split('\n').slice(-15).join('\n'),
        });
    });
    return s;
  };

  for (const [role, n] of Object.entries(perRole) as [Role, number][])
    for (let i = 0; i < n; i++)
      slots.push(launch({ role, id: `${role}-${i}`, starts: 0, signalled: false }));

  return {
    slots,
    unexpectedExits,
    async ready(timeoutMs = 90_000) {
      await Promise.all(slots.map((s) => s.worker.waitForLog(roles[s.role].ready, timeoutMs)));
    },
    async kill(slot) {
      slot.signalled = true;
      slot.worker.child.kill('SIGKILL');
      await slot.worker.exited;
    },
    restart(slot) {
      launch(slot);
    },
    async stopAll(timeoutMs = 60_000) {
      for (const s of slots) {
        s.signalled = true;
        s.worker.child.kill('SIGTERM');
      }
      return Promise.all(
        slots.map(async (s) => {
          const timer = setTimeout(() => s.worker.child.kill('SIGKILL'), timeoutMs);
          const code = await s.worker.exited;
          clearTimeout(timer);
          return { role: s.role, id: s.id, code };
        }),
      );
    },
    saveLogs(runName) {
      const dir = join(tmpdir(), 'sluice-chaos-logs', runName);
      mkdirSync(dir, { recursive: true });
      for (const l of logs) writeFileSync(join(dir, `${l.name}.log`), l.log());
      return dir;
    },
  };
}

/** SIGKILLs whatever is still running (after a failure): never leave a worker behind. */
export function killAll(fleet: Fleet | undefined): void {
  for (const s of fleet?.slots ?? []) {
    s.signalled = true;
    if (s.worker.child.exitCode === null && s.worker.child.signalCode === null)
      s.worker.child.kill('SIGKILL');
  }
}

/**
 * Restarts every process that exited by itself, as an orchestrator restarts a crashed pod, until
 * the fleet is stopped (stopAll marks every slot signalled). The exit stays counted in
 * unexpectedExits; `restarted` says which and when (seconds since `since`).
 */
export function restartExited(fleet: Fleet, since: number): { restarted: string[] } {
  const restarted: string[] = [];
  const timer = setInterval(() => {
    if (fleet.slots.every((s) => s.signalled)) return clearInterval(timer);
    for (const slot of fleet.slots) {
      const c = slot.worker.child;
      if (slot.signalled || (c.exitCode === null && c.signalCode === null)) continue;
      restarted.push(`${slot.id}@${((Date.now() - since) / 1000).toFixed(0)}s`);
      fleet.restart(slot);
    }
  }, 500);
  timer.unref();
  return { restarted };
}
