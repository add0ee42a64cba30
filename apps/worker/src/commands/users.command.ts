// `sluice users`: console users from the command line. `add` creates one (the first admin in
// particular, audited like the rest); `list`, `set-role`, `disable`, `enable` and `reset-password` are the console's
// Users page for an admin at a shell, through the same @sluice/auth functions, each change
// audited (actor `cli:<login>` unless --as says otherwise) and none leaving the console without
// an enabled admin. The auth secret comes from BETTER_AUTH_SECRET or, in development,
// .sluice/auth-secret. Only the role list at start-up; the auth library loads when a command runs.
import { userInfo } from 'node:os';
import { isRole, ROLES, type Role } from '@sluice/auth/roles';
import type { Database } from '@sluice/db';
import { type Command, InvalidArgumentError } from 'commander';
import { sluiceDb } from '../database.ts';
import { ConfigError, type Env, loadEnv } from '../env.ts';

interface AddOptions {
  email: string;
  password: string;
  role: string;
  name?: string;
  as: string;
}

const defaultActor = () => `cli:${userInfo().username}`;

const roleArg = (v: string) => {
  if (!isRole(v)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return v;
};

type AuthModule = typeof import('@sluice/auth');

/**
 * Runs `fn` with the auth package, a one-connection pool and the auth instance; the package's
 * input errors (and the last-admin refusal) become the CLI's configuration errors.
 */
async function withAuth<T>(
  fn: (
    a: AuthModule,
    db: Database,
    auth: ReturnType<AuthModule['createAuth']>,
    env: Env,
  ) => Promise<T>,
): Promise<T> {
  // Loaded here, not at start-up: the auth library costs seconds that no other command needs.
  const a = await import('@sluice/auth');
  const env = loadEnv();
  const db = sluiceDb(env, 1);
  try {
    // The URL only matters to HTTP requests, which the CLI does not serve.
    const auth = a.createAuth({
      db,
      // BETTER_AUTH_SECRET / NODE_ENV / SLUICE_HOME, read by the auth package's preset.
      secret: a.authSecretFromEnv(),
      baseURL: 'http://localhost',
      trustedOrigins: [],
      sessionTtlSeconds: 3600,
    });
    return await fn(a, db, auth, env);
  } catch (err) {
    if (err instanceof a.UserInputError || err instanceof a.AuthConfigError) {
      throw new ConfigError(err.message);
    }
    throw err;
  } finally {
    await db.$client.end();
  }
}

function report(
  change: {
    email: string;
    changed: boolean;
    before: { role: string; disabled: boolean };
    after: { role: string; disabled: boolean };
    sessionsRevoked: number;
  },
  what: string,
): void {
  const state = (s: { role: string; disabled: boolean }) =>
    `${s.role}${s.disabled ? ', disabled' : ''}`;
  if (!change.changed) {
    process.stdout.write(`${change.email}: already ${state(change.after)}; nothing changed\n`);
    return;
  }
  const revoked = change.sessionsRevoked > 0 ? `; ${change.sessionsRevoked} session(s) ended` : '';
  process.stdout.write(
    `${change.email}: ${what} (${state(change.before)} -> ${state(change.after)})${revoked}\n`,
  );
}

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('manage operator console users');
  users
    .command('add')
    .description('create a console user with an email + password sign-in')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password <password>', 'initial password (12 to 128 characters)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, roleArg)
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--as <actor>', 'who is adding it, for the record', defaultActor())
    .action((opts: AddOptions) =>
      withAuth(async (a, db, auth) => {
        const { as, ...input } = opts;
        const user = await a.addUser(
          auth,
          db,
          { ...input, role: opts.role as Role },
          { actor: as, sourceIp: null },
        );
        process.stdout.write(`created ${user.role} ${user.email} (id ${user.id})\n`);
      }),
    );

  users
    .command('list')
    .description('every console user with role and state')
    .option('--json', 'one JSON object per line')
    .action((o: { json?: boolean }) =>
      withAuth(async (a, db) => {
        const rows = await a.listUsers(db);
        for (const r of rows) {
          const line = o.json
            ? JSON.stringify({
                email: r.email,
                role: r.role,
                disabled: r.disabledAt !== null,
                disabledAt: r.disabledAt?.toISOString() ?? null,
                createdAt: r.createdAt.toISOString(),
              })
            : `${r.email}\t${r.role}\t${r.disabledAt ? `disabled since ${r.disabledAt.toISOString()}` : 'enabled'}`;
          process.stdout.write(`${line}\n`);
        }
      }),
    );

  users
    .command('set-role')
    .description("change a user's role (refused for the last enabled admin)")
    .requiredOption('--email <email>', "the user's sign-in email")
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, roleArg)
    .option('--as <actor>', 'who is changing it, for the record', defaultActor())
    .action((o: { email: string; role: Role; as: string }) =>
      withAuth(async (a, db) => {
        const change = await a.setUserRole(db, o, { actor: o.as, sourceIp: null });
        report(change, 'role changed');
      }),
    );

  for (const disabled of [true, false]) {
    users
      .command(disabled ? 'disable' : 'enable')
      .description(
        disabled
          ? 'stop a user signing in and end their sessions now (refused for the last enabled admin)'
          : 'let a disabled user sign in again',
      )
      .requiredOption('--email <email>', "the user's sign-in email")
      .option('--as <actor>', 'who is doing it, for the record', defaultActor())
      .action((o: { email: string; as: string }) =>
        withAuth(async (a, db) => {
          const change = await a.setUserDisabled(
            db,
            { email: o.email, disabled },
            { actor: o.as, sourceIp: null },
          );
          report(change, disabled ? 'disabled' : 'enabled');
        }),
      );
  }

  users
    .command('reset-password')
    .description("set a user's password and end their sessions")
    .requiredOption('--email <email>', "the user's sign-in email")
    .requiredOption('--password <password>', 'the new password (12 to 128 characters)')
    .option('--as <actor>', 'who is resetting it, for the record', defaultActor())
    .action((o: { email: string; password: string; as: string }) =>
      withAuth(async (a, db, auth) => {
        const change = await a.resetUserPassword(
          auth,
          db,
          { email: o.email, password: o.password },
          { actor: o.as, sourceIp: null },
        );
        report(change, 'password reset');
      }),
    );
}
