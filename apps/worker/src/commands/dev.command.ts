// `sluice dev` (what `pnpm start` runs): the whole pipeline on this machine in one command.
// Starts the local stack, builds a synthetic GeoIP database and the console when missing,
// creates a first admin, then runs every worker, the console and demo traffic as child
// processes, with their output in .sluice/logs/dev-*.log. Ctrl-C stops the children cleanly;
// the stack keeps running (`sluice stack down` stops it).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { childProcessEnv, loadEnv } from '../env.ts';
import { stderrProgress } from '../progress.ts';
import { findRepoRoot, stackPaths } from '../stack/stack-paths.ts';
import { WORKER_NODE_ARGS } from '../worker-node-args.ts';
import { buildTestGeoDb } from './geoip.command.ts';

const bin = join(findRepoRoot(), 'apps', 'worker', 'bin', 'sluice.mjs');

interface DevOptions {
  rate: number;
  port: number;
  traffic: boolean;
}

function run(args: string[], env: NodeJS.ProcessEnv, what: string): string {
  try {
    return execFileSync(process.execPath, [bin, ...args], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`${what} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: stack, workers, console and demo traffic')
    .option('--rate <n>', 'demo events per second', Number, 200)
    .option('--port <n>', 'console port', Number, 3000)
    .option('--no-traffic', 'do not start the demo traffic generator')
    .action(async (opts: DevOptions) => {
      const progress = stderrProgress();
      const env = loadEnv();
      const paths = stackPaths(env);
      const root = findRepoRoot();

      const up = spawn(process.execPath, [bin, 'stack', 'up'], { stdio: 'inherit' });
      const code = await new Promise<number | null>((r) => up.once('exit', r));
      if (code !== 0) throw new Error('stack up failed (see above)');

      const childEnv = childProcessEnv();
      if (!env.GEOIP_CITY_DB) {
        const db = join(paths.home, 'geoip', 'demo-city.mmdb');
        if (!existsSync(db)) {
          progress('building a synthetic GeoIP database for the demo (no MaxMind data involved)');
          buildTestGeoDb(db, { demo: true, buildEpoch: Math.floor(Date.now() / 1000) });
        }
        childEnv.GEOIP_CITY_DB = db;
      }

      // A first admin for the console; its password is kept in .sluice/ (never in the repo).
      const adminFile = join(paths.home, 'admin-credentials');
      let signIn: string;
      if (existsSync(adminFile)) {
        const [email, password] = readFileSync(adminFile, 'utf8').trim().split(' ');
        signIn = `${email} / ${password}`;
      } else {
        const password = randomBytes(12).toString('base64url');
        try {
          run(
            [
              'users',
              'add',
              '--email',
              'admin@sluice.local',
              '--password',
              password,
              '--role',
              'admin',
            ],
            childEnv,
            'creating the first admin',
          );
          writeFileSync(adminFile, `admin@sluice.local ${password}\n`, { mode: 0o600 });
          signIn = `admin@sluice.local / ${password}`;
        } catch (err) {
          // Someone created it by hand: their password stands, we do not reset it.
          if (!/already exists/.test((err as Error).message)) throw err;
          signIn = 'admin@sluice.local with the password it was created with';
        }
      }

      const web = join(root, 'apps', 'web');
      if (!existsSync(join(web, '.next', 'BUILD_ID'))) {
        progress('building the console (first start only; about a minute)');
        execFileSync('pnpm', ['--filter', '@sluice/web', 'build'], { cwd: root, stdio: 'inherit' });
      }

      const logDir = join(paths.home, 'logs');
      mkdirSync(logDir, { recursive: true });
      const children = new Map<string, ChildProcess>();
      const start = (name: string, command: string, args: string[], cwd = root, extra = {}) => {
        const log = openSync(join(logDir, `dev-${name}.log`), 'a');
        const child = spawn(command, args, {
          cwd,
          env: { ...childEnv, ...extra },
          stdio: ['ignore', log, log],
        });
        children.set(name, child);
        child.once('exit', (c, signal) => {
          if (!stopping)
            progress(`${name} exited (${signal ?? c}); see ${join(logDir, `dev-${name}.log`)}`);
        });
      };

      const workers = workerNames();
      workers.forEach((w, i) => {
        start(w, process.execPath, [
          ...WORKER_NODE_ARGS,
          bin,
          'worker',
          w,
          '--metrics-port',
          String(9101 + i),
        ]);
      });
      // `next start` runs in production mode, which wants an explicit URL and secret: the
      // development secret the CLI shares with it (.sluice/auth-secret), never a committed one.
      const consoleEnv = {
        BETTER_AUTH_URL: `http://127.0.0.1:${opts.port}`,
        TRUSTED_ORIGINS: `http://localhost:${opts.port}`,
        BETTER_AUTH_SECRET: (await import('@sluice/auth')).authSecretFromEnv(),
      };
      start('console', 'pnpm', ['exec', 'next', 'start', '-p', String(opts.port)], web, consoleEnv);
      if (opts.traffic)
        start('traffic', process.execPath, [bin, 'produce', '--rate', String(opts.rate)]);

      process.stdout.write(
        [
          '',
          `  Sluice is running.`,
          `  console   http://127.0.0.1:${opts.port}   sign in as ${signIn}`,
          `  workers   ${workers.join(', ')} (metrics on :${9101}-${9100 + workers.length})`,
          `  traffic   ${opts.traffic ? `${opts.rate} events/s into events.raw` : 'off'}`,
          `  logs      ${logDir}/dev-*.log`,
          '  Ctrl-C stops the workers and the console; `pnpm sluice stack down` stops the services.',
          '',
        ].join('\n'),
      );

      let stopping = false;
      await new Promise<void>((resolve) => {
        const stop = () => {
          if (stopping) return;
          stopping = true;
          progress('stopping workers, console and traffic');
          for (const c of children.values()) c.kill('SIGTERM');
          const pending = [...children.values()].filter(
            (c) => c.exitCode === null && c.signalCode === null,
          );
          let left = pending.length;
          if (left === 0) resolve();
          for (const c of pending) {
            c.once('exit', () => {
              left--;
              if (left === 0) resolve();
            });
          }
          setTimeout(() => {
            for (const c of children.values()) c.kill('SIGKILL');
            resolve();
          }, 20_000).unref();
        };
        // `on`, not `once`: Ctrl-C reaches this process twice (the terminal signals the whole
        // process group, and pnpm passes its own SIGINT on); a second signal with no handler
        // left killed it mid-stop, and pnpm said "Command failed".
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** The workers this build has (each stage registers `sluice worker <name>`). */
function workerNames(): string[] {
  const help = execFileSync(process.execPath, [bin, 'worker', '--help'], { encoding: 'utf8' });
  const known = ['enrichment', 'aggregation', 'storage', 'lag-monitor', 'dlq-indexer'];
  return known.filter((w) => new RegExp(`^\\s+${w}\\b`, 'm').test(help));
}
