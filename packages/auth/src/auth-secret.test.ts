import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthConfigError, resolveAuthSecret } from './auth-secret.ts';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'sluice-auth-')), 'nested', 'auth-secret');

describe('resolveAuthSecret', () => {
  it('uses the configured secret', () => {
    const secret = 'x'.repeat(40);
    expect(resolveAuthSecret({ secret, production: true, devSecretFile: tmp() })).toBe(secret);
  });

  it('rejects a short secret', () => {
    expect(() =>
      resolveAuthSecret({ secret: 'short', production: false, devSecretFile: tmp() }),
    ).toThrow(AuthConfigError);
  });

  it('requires a secret in production', () => {
    expect(() => resolveAuthSecret({ production: true, devSecretFile: tmp() })).toThrow(
      /BETTER_AUTH_SECRET is required/,
    );
  });

  it('generates a development secret once, private to the user, and reuses it', () => {
    const file = tmp();
    const first = resolveAuthSecret({ production: false, devSecretFile: file });
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveAuthSecret({ production: false, devSecretFile: file })).toBe(first);
  });
});
