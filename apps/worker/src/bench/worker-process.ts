// A real worker as the benchmark runs it: `sluice worker <role>` in a child process, as deployed,
// so the figures are for what ships. Its log is kept (the last lines, for errors), its CPU and
// peak RSS are read from /proc, and it is stopped with SIGTERM like any orchestrator would.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { childProcessEnv } from '../env.ts';
import { findRepoRoot } from '../stack/stack-paths.ts';
import { WORKER_NODE_ARGS } from '../worker-node-args.ts';
import { type ProcessUsage, readUsage, tryReadUsage } from './proc-usage.ts';

export interface WorkerProcess {
  readonly role: string;
  readonly pid: number;
  /** Resolves once the worker says it runs; rejects if it exits first. */
  ready: Promise<void>;
  /** Throws if the worker has exited. */
  check(): void;
  usage(): ProcessUsage;
  /** The port of its /metrics, once it runs. */
  metricsPort(): number | undefined;
  /** The last lines it logged. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after the grace; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export const sluiceBin = () => join(findRepoRoot(), 'apps', 'worker', 'bin', 'sluice.mjs');

export interface SpawnOptions {
  env: Record<string, string>;
  workerId: string;
  /** Where its whole log goes (stderr), besides the last lines kept in memory. */
  logFile?: string;
  /** Extra node options (the profiler's). */
  nodeArgs?: string[];
  /** The CLI arguments, when not `worker <role>` (a bench-only child that runs a stage). */
  args?: string[];
}

export function spawnSluice(
  args: string[],
  o: { env: Record<string, string>; nodeArgs?: string[] },
): ChildProcess {
  return spawn(
    process.execPath,
    [...WORKER_NODE_ARGS, ...(o.nodeArgs ?? []), sluiceBin(), ...args],
    {
      env: childProcessEnv(o.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

export function startWorker(role: string, o: SpawnOptions): WorkerProcess {
  const child = spawnSluice(
    o.args ?? ['worker', role, '--metrics-port', '0', '--worker-id', o.workerId],
    o,
  );
  const lines: string[] = [];
  let partial = '';
  let port: number | undefined;
  const log = o.logFile ? createWriteStream(o.logFile) : undefined;
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
    log?.end();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 400) lines.shift();
        const running = / running; metrics on :(\d+)/.exec(line);
        if (running) {
          port = Number(running[1]);
          resolve();
        }
      }
    });
    void exited.then((code) =>
      reject(
        new Error(`worker ${role} exited (${code}) before it ran:\n${lines.slice(-20).join('\n')}`),
      ),
    );
  });
  ready.catch(() => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start worker ${role}`);
  let lastUsage: ProcessUsage = { cpuMs: 0, peakRssMb: 0, rssMb: 0 };
  return {
    role,
    pid,
    ready,
    check() {
      if (exitCode !== undefined)
        throw new Error(`worker ${role} exited (${exitCode}):\n${lines.slice(-20).join('\n')}`);
    },
    usage() {
      // The last reading stays valid after the process is gone (its final figures).
      lastUsage = exitCode === undefined ? readUsage(pid) : (tryReadUsage(pid) ?? lastUsage);
      return lastUsage;
    },
    metricsPort: () => port,
    tail: (n = 20) => lines.slice(-n).join('\n'),
    async stop(graceMs = 30_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
