// Starts service processes detached from the CLI and stops exactly those processes later.
// A pid file records the pid and the kernel's start time of that process, so a recycled pid
// belonging to something else is never signalled: we stop by pid, never by name.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessRecord {
  pid: number;
  startTime: string;
  command: string;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  pidFile: string;
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

export function spawnDetached(spec: SpawnSpec): ProcessRecord {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    const record: ProcessRecord = {
      pid: child.pid,
      startTime: processStartTime(child.pid) ?? '',
      command: [spec.command, ...spec.args].join(' '),
    };
    writeFileSync(spec.pidFile, `${JSON.stringify(record)}\n`);
    return record;
  } finally {
    closeSync(out);
  }
}

export function readRecord(pidFile: string): ProcessRecord | undefined {
  if (!existsSync(pidFile)) return undefined;
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as ProcessRecord;
  } catch {
    return undefined;
  }
}

/** True when the recorded process still runs and is the very process we started. */
export function isRunning(record: ProcessRecord): boolean {
  const now = processStartTime(record.pid);
  if (now === undefined) return false;
  // A zombie (state Z) has exited; the stat line's third field is the state.
  const state = readFileSync(`/proc/${record.pid}/stat`, 'utf8').split(') ')[1]?.[0];
  return state !== 'Z' && (record.startTime === '' || now === record.startTime);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Signal the process we started (SIGTERM unless the service wants another signal for a clean,
 * fast shutdown), wait up to `graceMs`, then SIGKILL its whole process group.
 * Returns how the process ended.
 */
export async function stopRecorded(
  pidFile: string,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<'not-running' | 'stopped' | 'killed'> {
  const record = readRecord(pidFile);
  if (!record || !isRunning(record)) {
    rmSync(pidFile, { force: true });
    return 'not-running';
  }
  try {
    process.kill(record.pid, signal);
  } catch {
    /* exited meanwhile */
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(record)) {
      rmSync(pidFile, { force: true });
      return 'stopped';
    }
    await sleep(100);
  }
  signalGroup(record.pid, 'SIGKILL');
  while (isRunning(record)) await sleep(50);
  rmSync(pidFile, { force: true });
  return 'killed';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Detached children lead their own process group: kill the group so helpers they forked
    // (PostgreSQL's backends, a Python reloader) end with them.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
