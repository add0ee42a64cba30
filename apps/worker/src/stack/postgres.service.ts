// PostgreSQL from Debian's packages, one cluster under .sluice/data/postgres, TCP on loopback
// only, trust authentication for the local user named in DATABASE_URL (no password to keep).
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { urlPort } from './probes.ts';
import { type ServiceContext, StackError, type StackService } from './service.ts';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) {
    throw new StackError(
      'PostgreSQL server not found under /usr/lib/postgresql. Install it: sudo apt-get install -y postgresql',
    );
  }
  return join(root, versions[0], 'bin');
}

const isRoot = () => process.getuid?.() === 0;

function systemUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new StackError(
      "running as root, PostgreSQL needs the `postgres` system user, which Debian's postgresql package creates: apt-get install -y postgresql",
    );
  }
}

/** Run as the postgres user when we are root (setpriv execs, so the pid is postgres itself). */
function asServiceUser(command: string, args: string[]): { command: string; args: string[] } {
  if (!isRoot()) return { command, args };
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args],
  };
}

function dbParts(ctx: ServiceContext) {
  const url = new URL(ctx.env.DATABASE_URL);
  return {
    port: urlPort(ctx.env.DATABASE_URL, 5432),
    user: decodeURIComponent(url.username || 'sluice'),
    database: url.pathname.replace(/^\//, '') || 'sluice',
  };
}

export const postgresService: StackService = {
  name: 'postgres',
  startTimeoutMs: 30_000,
  stopGraceMs: 20_000,
  stopSignal: 'SIGINT',
  ports: (ctx) => [dbParts(ctx).port],
  endpoint: (ctx) => ctx.env.DATABASE_URL,

  async prepare(ctx) {
    const bin = binDir();
    const dir = ctx.paths.data('postgres');
    if (existsSync(join(dir, 'PG_VERSION'))) return;
    ctx.progress('postgres: initialising a new cluster');
    // Only the cluster directory itself is private; its parents must stay traversable for the
    // postgres user.
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (isRoot()) {
      const { uid, gid } = systemUser();
      chownSync(dir, uid, gid);
    }
    const { command, args } = asServiceUser(join(bin, 'initdb'), [
      '-D',
      dir,
      '-U',
      dbParts(ctx).user,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    try {
      execFileSync(command, args, { stdio: 'pipe' });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new StackError(`postgres: initdb failed in ${dir}: ${stderr.trim()}`);
    }
  },

  processes(ctx) {
    const dir = ctx.paths.data('postgres');
    const { command, args } = asServiceUser(join(binDir(), 'postgres'), [
      '-D',
      dir,
      '-p',
      String(dbParts(ctx).port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
    ]);
    return [{ name: 'postgres', spec: { command, args } }];
  },

  async health(ctx) {
    const { port, user } = dbParts(ctx);
    const client = new pg.Client({ host: '127.0.0.1', port, user, database: 'postgres' });
    try {
      await client.connect();
      const r = await client.query('SHOW server_version');
      return { healthy: true, detail: `PostgreSQL ${r.rows[0].server_version}` };
    } catch (err) {
      return { healthy: false, detail: (err as Error).message };
    } finally {
      await client.end().catch(() => {});
    }
  },

  async afterStart(ctx) {
    const { port, user, database } = dbParts(ctx);
    const client = new pg.Client({ host: '127.0.0.1', port, user, database: 'postgres' });
    await client.connect();
    try {
      const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (r.rowCount === 0)
        await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    } finally {
      await client.end();
    }
  },
};
