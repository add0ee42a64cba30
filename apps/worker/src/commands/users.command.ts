// `sluice users add`: create a console user (the first admin in particular). It builds the same
// Better Auth instance as the console (@sluice/auth), so the password hash is the one sign-in
// verifies; the secret comes from BETTER_AUTH_SECRET or, in development, .sluice/auth-secret.
// Only the role list at start-up; the auth library itself loads when a command runs.
import { isRole, ROLES, type Role } from '@sluice/auth/roles';
import { type Command, InvalidArgumentError } from 'commander';
import { sluiceDb } from '../database.ts';
import { ConfigError, loadEnv } from '../env.ts';

interface AddOptions {
  email: string;
  password: string;
  role: string;
  name?: string;
}

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('manage operator console users');
  users
    .command('add')
    .description('create a console user with an email + password sign-in')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password <password>', 'initial password (12 to 128 characters)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, (v: string) => {
      if (!isRole(v)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
      return v;
    })
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .action(async (opts: AddOptions) => {
      // Loaded here, not at start-up: the auth library costs seconds that no other command needs.
      const { AuthConfigError, authSecretFromEnv, createAuth, createUser, UserInputError } =
        await import('@sluice/auth');
      const env = loadEnv();
      const db = sluiceDb(env, 1);
      try {
        // The URL only matters to HTTP requests, which the CLI does not serve.
        const auth = createAuth({
          db,
          // BETTER_AUTH_SECRET / NODE_ENV / SLUICE_HOME, read by the auth package's preset.
          secret: authSecretFromEnv(),
          baseURL: 'http://localhost',
          trustedOrigins: [],
          sessionTtlSeconds: 3600,
        });
        const role = opts.role as Role;
        const user = await createUser(auth, { ...opts, role });
        process.stdout.write(`created ${user.role} ${user.email} (id ${user.id})\n`);
      } catch (err) {
        if (err instanceof UserInputError || err instanceof AuthConfigError) {
          throw new ConfigError(err.message);
        }
        throw err;
      } finally {
        await db.$client.end();
      }
    });
}
