// The auth preset: the environment variables every process that builds the auth instance
// reads (the console extends this shape in its own env.ts; the CLI uses `authSecretFromEnv`).
import { z } from 'zod';
import { AuthConfigError, devSecretPath, resolveAuthSecret } from './auth-secret.ts';

export const authEnvShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  BETTER_AUTH_SECRET: z.string().optional(),
  SLUICE_HOME: z.string().min(1).optional(),
};

const authEnvSchema = z.object(authEnvShape);

/** The signing secret from BETTER_AUTH_SECRET, or the generated development secret. */
export function authSecretFromEnv(
  source: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): string {
  const parsed = authEnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new AuthConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return resolveAuthSecret({
    secret: e.BETTER_AUTH_SECRET,
    production: e.NODE_ENV === 'production',
    devSecretFile: devSecretPath(e.SLUICE_HOME, cwd),
  });
}
