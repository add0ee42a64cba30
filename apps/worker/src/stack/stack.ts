// `sluice stack`: start, check and stop the local services natively, as processes we own.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { portFree } from './probes.ts';
import { isRunning, readRecord, spawnDetached, stopRecorded } from './process-supervisor.ts';
import type { ServiceContext, StackOptions, StackService } from './service.ts';
import { StackError } from './service.ts';

export interface ServiceStatus {
  service: string;
  healthy: boolean;
  running: boolean;
  pids: number[];
  endpoint: string;
  detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function records(ctx: ServiceContext, service: StackService) {
  return service.processes(ctx).map((p) => ({
    name: p.name,
    pidFile: ctx.paths.pidFile(p.name),
    record: readRecord(ctx.paths.pidFile(p.name)),
  }));
}

function runningPids(ctx: ServiceContext, service: StackService): number[] {
  return records(ctx, service)
    .filter((r) => r.record && isRunning(r.record))
    .map((r) => r.record?.pid ?? 0);
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log yet)';
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}

async function waitHealthy(ctx: ServiceContext, service: StackService): Promise<void> {
  const deadline = Date.now() + service.startTimeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const h = await service.health(ctx);
    if (h.healthy) return;
    last = h.detail;
    const dead = records(ctx, service).find((r) => !r.record || !isRunning(r.record));
    if (dead) {
      throw new StackError(
        `${service.name}: process ${dead.name} exited during start-up. Last lines of ${ctx.paths.log(dead.name)}:\n${tail(ctx.paths.log(dead.name), 25)}`,
      );
    }
    await sleep(500);
  }
  throw new StackError(
    `${service.name}: not healthy after ${service.startTimeoutMs / 1000}s (${last}). See \`sluice stack logs ${service.name}\`.`,
  );
}

function startProcesses(ctx: ServiceContext, service: StackService, running = new Set<string>()) {
  for (const proc of service.processes(ctx)) {
    if (running.has(proc.name)) continue;
    ctx.progress(`${service.name}: starting ${proc.name}`);
    spawnDetached({
      ...proc.spec,
      logFile: ctx.paths.log(proc.name),
      pidFile: ctx.paths.pidFile(proc.name),
    });
  }
}

/** Start every service that is not already running and wait until all are healthy. */
export async function stackUp(ctx: ServiceContext, services: StackService[]): Promise<void> {
  const state = readState(ctx);
  if (state && state.brokers !== ctx.options.brokers && anyRunning(ctx)) {
    throw new StackError(
      `the stack is running with ${state.brokers} broker(s); run \`sluice stack down\` before starting it with --brokers ${ctx.options.brokers}`,
    );
  }
  writeState(ctx, ctx.options);
  const started: StackService[] = [];
  const toStart: StackService[] = [];
  for (const service of services) {
    const recs = records(ctx, service);
    const alive = recs.filter((r) => r.record && isRunning(r.record));
    if (alive.length === recs.length) {
      ctx.progress(
        `${service.name}: already running (pid ${alive.map((r) => r.record?.pid).join(', ')})`,
      );
      started.push(service);
      continue;
    }
    if (alive.length > 0) {
      // Part of the service runs (one Kafka node killed in a failover test): start the rest.
      ctx.progress(
        `${service.name}: ${alive.length} of ${recs.length} processes run; starting the others`,
      );
      await service.prepare(ctx);
      startProcesses(ctx, service, new Set(alive.map((a) => a.name)));
      started.push(service);
      continue;
    }
    for (const port of service.ports(ctx)) {
      if (!(await portFree(port))) {
        throw new StackError(
          `${service.name}: port ${port} on 127.0.0.1 is already taken by a process this stack did not start. Stop that process, or point Sluice at another port (see README, Configuration).`,
        );
      }
    }
    toStart.push(service);
  }
  // Fetching artifacts (Maven, PyPI) dominates a cold start: prepare every service at once.
  await Promise.all(toStart.map((service) => service.prepare(ctx)));
  for (const service of toStart) {
    startProcesses(ctx, service);
    started.push(service);
  }
  await Promise.all(
    started.map(async (service) => {
      const t0 = Date.now();
      await waitHealthy(ctx, service);
      await service.afterStart?.(ctx);
      ctx.progress(`${service.name}: healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }),
  );
}

export async function stackStatus(
  ctx: ServiceContext,
  services: StackService[],
): Promise<ServiceStatus[]> {
  return Promise.all(
    services.map(async (service) => {
      const pids = runningPids(ctx, service);
      const expected = service.processes(ctx).length;
      const h =
        pids.length > 0 ? await service.health(ctx) : { healthy: false, detail: 'not running' };
      return {
        service: service.name,
        running: pids.length === expected,
        healthy: h.healthy && pids.length === expected,
        pids,
        endpoint: service.endpoint(ctx),
        detail:
          pids.length === expected
            ? h.detail
            : `${pids.length} of ${expected} processes running; ${h.detail}`,
      };
    }),
  );
}

/** Stop every process whose pid file the stack wrote, in reverse start order. */
export async function stackDown(ctx: ServiceContext, services: StackService[]): Promise<void> {
  const runDir = join(ctx.paths.home, 'run');
  const known = new Map<string, StackService>();
  for (const s of services) {
    for (const p of s.processes(ctx)) known.set(p.name, s);
  }
  const pidFiles = existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.pid')) : [];
  // Consumers of a service stop before it: anything unknown first, then the reverse of start order.
  const order = [...services].reverse();
  const rank = (f: string) => {
    const s = known.get(basename(f, '.pid'));
    return s ? order.indexOf(s) : -1;
  };
  // The processes of one service stop together: a Kafka node stopped alone while its peers
  // are already gone would wait for a controller quorum that no longer exists.
  const byRank = new Map<number, string[]>();
  for (const f of pidFiles) byRank.set(rank(f), [...(byRank.get(rank(f)) ?? []), f]);
  for (const r of [...byRank.keys()].sort((a, b) => a - b)) {
    await Promise.all(
      (byRank.get(r) ?? []).map(async (f) => {
        const name = basename(f, '.pid');
        const service = known.get(name);
        const how = await stopRecorded(
          join(runDir, f),
          service?.stopGraceMs ?? 15_000,
          service?.stopSignal,
        );
        if (how !== 'not-running') ctx.progress(`${name}: ${how}`);
      }),
    );
  }
}

export function logFiles(ctx: ServiceContext, services: StackService[], name: string): string[] {
  const service = services.find((s) => s.name === name);
  if (!service) {
    throw new StackError(
      `unknown service '${name}'; one of: ${services.map((s) => s.name).join(', ')}`,
    );
  }
  return service.processes(ctx).map((p) => ctx.paths.log(p.name));
}

function anyRunning(ctx: ServiceContext): boolean {
  const runDir = join(ctx.paths.home, 'run');
  if (!existsSync(runDir)) return false;
  return readdirSync(runDir).some((f) => {
    const r = readRecord(join(runDir, f));
    return r !== undefined && isRunning(r);
  });
}

export function readState(ctx: Pick<ServiceContext, 'paths'>): StackOptions | undefined {
  if (!existsSync(ctx.paths.stateFile)) return undefined;
  return JSON.parse(readFileSync(ctx.paths.stateFile, 'utf8')) as StackOptions;
}

function writeState(ctx: ServiceContext, options: StackOptions): void {
  mkdirSync(ctx.paths.home, { recursive: true });
  writeFileSync(ctx.paths.stateFile, `${JSON.stringify(options)}\n`);
}
