// `sluice users` as an admin runs it at a shell, against a schema of its own: role changes,
// disable and enable, password resets and the list, each change (adding too) audited as `cli:<login>` (or
// --as), and the last enabled admin kept, with a refusal that says why and a failing exit code.
import { runMigrations } from '@sluice/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';
import { runSluice, sluiceOk } from '../support/sluice-cli.ts';

const schema = uniqueName('it_users_cli');
const env = { ...process.env, DATABASE_URL: testEnv.databaseUrl, DATABASE_SCHEMA: schema };
const client = new pg.Client({ connectionString: testEnv.databaseUrl });

beforeAll(async () => {
  await runMigrations({ url: testEnv.databaseUrl, schema });
  await client.connect();
}, 60_000);
afterAll(async () => {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS "${schema}_drizzle" CASCADE`);
  await client.end();
});

const audit = async () =>
  (
    await client.query<{ actor: string; action: string; target: string; details: unknown }>(
      `SELECT actor, action, target, details FROM "${schema}".audit_log ORDER BY id`,
    )
  ).rows;

describe('sluice users', () => {
  it('adds, changes role, disables, enables and resets, each audited', async () => {
    await sluiceOk(
      [
        'users',
        'add',
        '--email',
        'boss@cli.test',
        '--password',
        'boss-password-12',
        '--role',
        'admin',
      ],
      env,
    );
    await sluiceOk(
      [
        'users',
        'add',
        '--email',
        'op@cli.test',
        '--password',
        'op-password-1234',
        '--role',
        'viewer',
      ],
      env,
    );
    const role = await sluiceOk(
      ['users', 'set-role', '--email', 'op@cli.test', '--role', 'operator', '--as', 'ops-lead'],
      env,
    );
    expect(role.stdout).toContain('op@cli.test: role changed (viewer -> operator)');
    await sluiceOk(['users', 'disable', '--email', 'op@cli.test'], env);
    await sluiceOk(
      ['users', 'reset-password', '--email', 'op@cli.test', '--password', 'fresh-password-99'],
      env,
    );
    const listed = await sluiceOk(['users', 'list', '--json'], env);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toMatchObject([
      { email: 'boss@cli.test', role: 'admin', disabled: false },
      { email: 'op@cli.test', role: 'operator', disabled: true },
    ]);
    await sluiceOk(['users', 'enable', '--email', 'op@cli.test'], env);

    const rows = await audit();
    expect(rows.map((r) => [r.actor, r.action, r.target])).toEqual([
      [expect.stringMatching(/^cli:/), 'user.create', 'boss@cli.test'],
      [expect.stringMatching(/^cli:/), 'user.create', 'op@cli.test'],
      ['ops-lead', 'user.role', 'op@cli.test'],
      [expect.stringMatching(/^cli:/), 'user.disable', 'op@cli.test'],
      [expect.stringMatching(/^cli:/), 'user.password-reset', 'op@cli.test'],
      [expect.stringMatching(/^cli:/), 'user.enable', 'op@cli.test'],
    ]);
    expect(rows[2]?.details).toMatchObject({
      before: { role: 'viewer' },
      after: { role: 'operator' },
    });
    expect(JSON.stringify(rows)).not.toContain('fresh-password-99');
  }, 120_000);

  it('refuses to demote or disable the last enabled admin, saying so, and changes nothing', async () => {
    const before = await audit();
    for (const args of [
      ['users', 'set-role', '--email', 'boss@cli.test', '--role', 'operator'],
      ['users', 'disable', '--email', 'boss@cli.test'],
    ]) {
      const r = await runSluice(args, env);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/boss@cli\.test is the last enabled admin/);
    }
    expect(await audit()).toEqual(before);
    const { rows } = await client.query(
      `SELECT role, disabled_at FROM "${schema}".auth_user WHERE email = 'boss@cli.test'`,
    );
    expect(rows).toEqual([{ role: 'admin', disabled_at: null }]);
  }, 60_000);
});
