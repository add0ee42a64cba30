// Runs the real `sluice` CLI as a child process, the way users and deployments run it, so the
// suites exercise the shipped entry point (and can SIGKILL a worker for real).
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/test\/$/, '');
const bin = `${repoRoot}apps/worker/bin/sluice.mjs`;

/** Where `sluice stack` keeps the stack's process records: SLUICE_HOME, `.sluice` by default. */
export function stackHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SLUICE_HOME ?? join(repoRoot, '.sluice'));
}

/**
 * The exit code once the process has exited and its output has been read: 'exit' can come
 * before the last lines written to a pipe are delivered (a worker's "could not start: …" line
 * was missing that way). A process whose pipes stay open after it exited (a service it started
 * holding them) is waited for at most 2 s more.
 */
function exitAfterOutput(child: ChildProcess): Promise<number | null> {
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      const grace = setTimeout(() => resolve(code), 2000);
      void closed.then(() => {
        clearTimeout(grace);
        resolve(code);
      });
    }),
  );
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runSluice(
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    void exitAfterOutput(child).then((code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export interface Worker {
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  log(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
  /**
   * The exit code within `timeoutMs`; past it the process is killed (SIGKILL) and this throws
   * with its log, so a process that hangs fails the test saying which one and where it was.
   */
  exitCode(timeoutMs: number): Promise<number | null>;
}

export function startSluice(args: string[], env: NodeJS.ProcessEnv): Worker {
  const child = spawn(process.execPath, [bin, ...args], {
    env,
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdout?.resume();
  const exited = exitAfterOutput(child);
  return {
    child,
    log: () => stderr,
    exited,
    async exitCode(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), timeoutMs);
      });
      const code = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (code !== 'late') return code;
      child.kill('SIGKILL');
      throw new Error(
        `${args.join(' ')} did not exit within ${timeoutMs / 1000} s; killed. Its log:\n${stderr}`,
      );
    },
    async waitForLog(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern}; log:\n${stderr}`);
        if (child.exitCode !== null)
          throw new Error(`process exited (${child.exitCode}); log:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Runs a CLI command that must succeed; its stderr is in the error otherwise. */
export async function sluiceOk(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const r = await runSluice(args, env);
  if (r.code !== 0) throw new Error(`sluice ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r;
}

/** Writes `lines` to `file` as NDJSON and produces them with `sluice produce` (to `topic` if given). */
export async function produceLines(
  env: NodeJS.ProcessEnv,
  file: string,
  lines: string[],
  topic?: string,
): Promise<void> {
  writeFileSync(file, `${lines.join('\n')}\n`);
  await sluiceOk(['produce', '--input', file, ...(topic ? ['--topic', topic] : [])], env);
}

/** Polls `check` until it holds; fails naming `what` after the timeout. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: Error | undefined;
  for (;;) {
    // A check that throws (an admin request that timed out on a loaded machine) is "not yet":
    // asked again until the deadline, whose message then carries the last error.
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err as Error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${lastError ? `; last check failed: ${lastError.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
