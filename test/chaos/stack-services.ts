// The sink services of the local stack that the environment points at, found the way `sluice
// stack` itself finds them: the process records under SLUICE_HOME (`.sluice` at the repository
// root by default). A record counts only when its process still runs, is the very process the
// stack started (pid and start time, process-supervisor.ts) and listens on the port the test's
// endpoints name, so a scenario never signals a service of some other stack, nor one the stack
// did not start (a container, a system service). Everything taken down here is brought back by
// `restoreAll`, whatever failed.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  isRunning,
  type ProcessRecord,
  readRecord,
} from '../../apps/worker/src/stack/process-supervisor.ts';
import { testEnv } from '../env.ts';
import { runSluice, stackHome, waitFor } from '../support/sluice-cli.ts';

export type SinkService = 'postgres' | 'search' | 'redis' | 'moto';

export interface StackProcess {
  service: SinkService;
  port: number;
  pidFile: string;
  record: ProcessRecord;
}

export interface FoundStack {
  home: string;
  services: Record<SinkService, StackProcess>;
}

const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);

/** The port each sink service must listen on, from the endpoints the suites use. */
export function sinkPorts(): Record<SinkService, number> {
  return {
    postgres: portOf(testEnv.databaseUrl, 5432),
    search: portOf(testEnv.searchUrl, 9200),
    redis: portOf(testEnv.redisUrl, 6379),
    moto: portOf(testEnv.awsEndpoint, 4566),
  };
}

/** Inodes of the sockets listening on `port` (IPv4 and IPv6 tables). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT; state 0A is LISTEN; field 9 is the inode.
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1] as string)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * The stack's sink services, or why they cannot be used: a service with no record, a record whose
 * process is gone or another, or one not listening where the environment points.
 */
export function findStack(
  env: NodeJS.ProcessEnv = process.env,
): { stack: FoundStack } | { missing: string } {
  const home = stackHome(env);
  const ports = sinkPorts();
  const services = {} as Record<SinkService, StackProcess>;
  for (const service of Object.keys(ports) as SinkService[]) {
    const pidFile = join(home, 'run', `${service}.pid`);
    const record = readRecord(pidFile);
    const port = ports[service];
    if (!record) return { missing: `no process record ${pidFile}` };
    if (!isRunning(record))
      return { missing: `${service} (pid ${record.pid}) of ${home} does not run` };
    if (!listensOn(record.pid, port))
      return {
        missing: `${service} (pid ${record.pid}) of ${home} does not listen on port ${port}, where the environment points`,
      };
    services[service] = { service, port, pidFile, record };
  }
  return { stack: { home, services } };
}

const frozen = new Set<StackProcess>();
const stopped = new Set<StackProcess>();

function signal(p: StackProcess, sig: NodeJS.Signals): void {
  // Checked at each signal: the record must still be the process the stack started.
  if (!isRunning(p.record))
    throw new Error(`${p.service}: pid ${p.record.pid} is not the process the stack started`);
  process.kill(p.record.pid, sig);
}

/** SIGSTOP: the service keeps its state and its sockets; requests to it hang. */
export function freeze(p: StackProcess): void {
  frozen.add(p);
  signal(p, 'SIGSTOP');
}

export function thaw(p: StackProcess): void {
  process.kill(p.record.pid, 'SIGCONT');
  frozen.delete(p);
}

/**
 * A clean, prompt stop with the service's own signal (PostgreSQL's fast shutdown is SIGINT;
 * Redis saves its dataset on SIGTERM): new connections are refused until it is started again.
 */
export async function stop(p: StackProcess, sig: NodeJS.Signals): Promise<void> {
  stopped.add(p);
  signal(p, sig);
  await waitFor(`${p.service} to stop`, async () => !isRunning(p.record), 60_000);
}

/** Starts what of the stack is missing, as an operator would (`sluice stack up`). */
export async function start(p: StackProcess): Promise<string> {
  const r = await runSluice(['stack', 'up'], process.env);
  if (r.code !== 0) throw new Error(`sluice stack up failed (${r.code}):\n${r.stderr}`);
  const record = readRecord(p.pidFile);
  if (!record || !isRunning(record)) throw new Error(`${p.service} did not start again`);
  p.record = record;
  stopped.delete(p);
  return `${r.stderr}${r.stdout}`;
}

/** Never leave a service frozen or stopped. */
export async function restoreAll(): Promise<void> {
  for (const p of frozen) thaw(p);
  for (const p of [...stopped]) await start(p);
}

/** Resident set now and its peak over the process's life (VmRSS, VmHWM), in bytes. */
export function residentSet(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}
