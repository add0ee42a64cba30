// Where the local stack keeps things. Data, logs and pid files live under one ignored directory
// (`.sluice/` at the repository root unless SLUICE_HOME says otherwise); downloaded artifacts
// live in a per-user cache shared by every clone, so a warm start downloads nothing.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Env } from '../env.ts';

export interface StackPaths {
  home: string;
  cache: string;
  data(service: string): string;
  log(service: string): string;
  pidFile(process: string): string;
  stateFile: string;
}

export function findRepoRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

export function stackPaths(env: Env): StackPaths {
  const home = resolve(env.SLUICE_HOME ?? join(findRepoRoot(), '.sluice'));
  const cache = resolve(env.SLUICE_CACHE_DIR ?? join(homedir(), '.cache', 'sluice'));
  return {
    home,
    cache,
    data: (service) => join(home, 'data', service),
    log: (service) => join(home, 'logs', `${service}.log`),
    pidFile: (name) => join(home, 'run', `${name}.pid`),
    stateFile: join(home, 'stack.json'),
  };
}
