// Where the signing secret for session cookies comes from. Production must set
// BETTER_AUTH_SECRET. In development a random secret is generated once per machine into
// `.sluice/auth-secret` (an ignored directory, mode 0600) so that no secret is ever committed
// and the console and the CLI, which both read it, agree without any setup.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

export interface SecretSource {
  /** BETTER_AUTH_SECRET, if set. */
  secret?: string | undefined;
  production: boolean;
  /** The file holding the generated development secret. */
  devSecretFile: string;
}

const MIN_SECRET_LENGTH = 32;

export function resolveAuthSecret(source: SecretSource): string {
  if (source.secret) {
    if (source.secret.length < MIN_SECRET_LENGTH) {
      throw new AuthConfigError(
        `BETTER_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    return source.secret;
  }
  if (source.production) {
    throw new AuthConfigError('BETTER_AUTH_SECRET is required when NODE_ENV=production');
  }
  return readOrCreateDevSecret(source.devSecretFile);
}

function readOrCreateDevSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx' fails if another process (the CLI, a second server) created it meanwhile.
    writeFileSync(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return readFileSync(file, 'utf8').trim();
    }
    throw err;
  }
}

/** `<SLUICE_HOME>/auth-secret`, or `.sluice/auth-secret` at the repository root. */
export function devSecretPath(sluiceHome: string | undefined, cwd: string): string {
  if (sluiceHome) return join(resolve(sluiceHome), 'auth-secret');
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return join(dir, '.sluice', 'auth-secret');
    const parent = dirname(dir);
    if (parent === dir) return join(resolve(cwd), '.sluice', 'auth-secret');
    dir = parent;
  }
}
