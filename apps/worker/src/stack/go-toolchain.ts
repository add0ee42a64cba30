// Finds a Go toolchain new enough for the GeoIP test-database builder (its go.mod needs 1.24).
// A non-login shell may not have the machine's Go on PATH (/usr/local/go is added by a profile
// script), and Debian's golang-go is older, so the usual places are tried in turn, ending with
// the toolchain `scripts/setup.sh` fetches from the Go module proxy into the cache.
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Env } from '../env.ts';
import { StackError } from './service.ts';

export const GO_MIN_VERSION = [1, 24] as const;

function goVersion(bin: string): number[] | undefined {
  try {
    const v = execFileSync(bin, ['env', 'GOVERSION'], { encoding: 'utf8', timeout: 10_000 });
    const m = /go(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
}

const newEnough = (v: number[]) =>
  (v[0] as number) > GO_MIN_VERSION[0] ||
  (v[0] === GO_MIN_VERSION[0] && (v[1] as number) >= GO_MIN_VERSION[1]);

export function findGo(env: Pick<Env, 'GO_BINARY' | 'SLUICE_CACHE_DIR'>): string {
  const cache = resolve(env.SLUICE_CACHE_DIR ?? join(homedir(), '.cache', 'sluice'));
  const candidates = [
    env.GO_BINARY,
    'go',
    '/usr/local/go/bin/go',
    join(homedir(), 'go', 'bin', 'go'),
    join(cache, 'go', 'bin', 'go'),
  ].filter((c): c is string => Boolean(c));
  const seen: string[] = [];
  for (const c of candidates) {
    const v = goVersion(c);
    if (v === undefined) continue;
    if (newEnough(v)) return c;
    seen.push(`${c} (go${v.join('.')})`);
  }
  const need = `Go ${GO_MIN_VERSION.join('.')} or newer`;
  throw new StackError(
    seen.length > 0
      ? `the GeoIP test database builder needs ${need}; found only ${seen.join(', ')}. Run scripts/setup.sh (it fetches one) or set GO_BINARY`
      : `go not found: the GeoIP test database builder needs ${need}. Run scripts/setup.sh (it fetches one) or set GO_BINARY`,
  );
}
