// An admin manages a user in the browser: adds one, who signs in elsewhere; changes their role;
// disables them (their open session ends at once and the sign-in form answers as for a wrong
// password); enables them and sets a new password. The last enabled admin cannot be demoted,
// and the page says why. Every step is in the audit log, sign-ins with the address the server
// saw (no proxy is trusted here: the TCP peer, 127.0.0.1, whatever X-Forwarded-For claims).
import { type Browser, expect, type Page, test } from '@playwright/test';
import { quoteIdent } from '@sluice/db';
import pg from 'pg';
import { E2E_USERS, e2eEnv } from './env.ts';

const TEMP = {
  email: 'temp-user@e2e.test',
  password: 'temp-user-password',
  fresh: 'reset-password-e2e',
};

async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A browser of its own for the managed user, claiming another address in X-Forwarded-For. */
async function otherBrowser(browser: Browser) {
  const context = await browser.newContext({
    extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.250' },
  });
  return { context, page: await context.newPage() };
}

async function audit(action: string, target: string) {
  const client = new pg.Client({ connectionString: e2eEnv.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      actor: string;
      source_ip: string | null;
      details: Record<string, unknown> | null;
    }>(
      `SELECT actor, source_ip, details FROM ${quoteIdent(e2eEnv.schema)}.audit_log
        WHERE action = $1 AND target = $2 ORDER BY id`,
      [action, target],
    );
    return rows;
  } finally {
    await client.end();
  }
}

test('an admin changes a role, disables, enables and resets a password', async ({
  page,
  browser,
}) => {
  await signIn(page, E2E_USERS.admin);
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await page.getByRole('link', { name: 'Users' }).click();
  const add = page.getByRole('region', { name: 'Add user' });
  await add.getByLabel('Email').fill(TEMP.email);
  await add.getByLabel('Initial password (12+ characters)').fill(TEMP.password);
  await add.getByLabel('Role').selectOption('operator');
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('status')).toHaveText(`Added ${TEMP.email} as operator.`);

  const other = await otherBrowser(browser);
  await signIn(other.page, TEMP);
  await expect(other.page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();

  // The role: operator -> viewer.
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: TEMP.email, exact: true }) });
  await page.getByLabel(`Role of ${TEMP.email}`).selectOption('viewer');
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByRole('status')).toHaveText(`${TEMP.email} is now viewer.`);

  // Disable: the other browser's session ends at once.
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByRole('status')).toHaveText(`${TEMP.email} is disabled.`);
  await expect(row.getByRole('button', { name: 'Enable' })).toBeVisible();
  await other.page.goto(`${e2eEnv.baseUrl}/`);
  await expect(other.page).toHaveURL(/\/sign-in/);
  await signIn(other.page, TEMP);
  await expect(other.page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText(
    'Wrong email or password.',
  );

  // Enable, then a new password: the old one no longer works, the new one does.
  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByRole('status')).toHaveText(`${TEMP.email} may sign in again.`);
  await row.getByRole('button', { name: 'Reset password' }).click();
  await page.getByLabel(`New password for ${TEMP.email} (12+ characters)`).fill(TEMP.fresh);
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(
    `New password set for ${TEMP.email}; their sessions ended.`,
  );
  await signIn(other.page, TEMP);
  await expect(other.page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText(
    'Wrong email or password.',
  );
  await signIn(other.page, { email: TEMP.email, password: TEMP.fresh });
  await expect(other.page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  // A viewer now: no Users page for them.
  await expect(other.page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await other.context.close();

  const admin = E2E_USERS.admin.email;
  expect(await audit('user.role', TEMP.email)).toMatchObject([
    { actor: admin, details: { before: { role: 'operator' }, after: { role: 'viewer' } } },
  ]);
  expect(await audit('user.disable', TEMP.email)).toMatchObject([
    { actor: admin, details: { sessionsRevoked: 1 } },
  ]);
  expect(await audit('user.enable', TEMP.email)).toHaveLength(1);
  expect(await audit('user.password-reset', TEMP.email)).toHaveLength(1);
  const failed = await audit('auth.sign-in.failed', TEMP.email);
  expect(failed.map((r) => r.details?.reason)).toEqual(['disabled', 'wrong-password']);
  const signIns = await audit('auth.sign-in', TEMP.email);
  expect(signIns).toHaveLength(2);
  // Not the forged 203.0.113.250: no proxy is trusted, the server's own view of the peer.
  for (const r of [...signIns, ...failed]) expect(r.source_ip).toBe('127.0.0.1');
});

test('the last enabled admin cannot be demoted, and the page says why', async ({ page }) => {
  await signIn(page, E2E_USERS.admin);
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await page.goto(`${e2eEnv.baseUrl}/users`);
  const me = E2E_USERS.admin.email;
  await page.getByLabel(`Role of ${me}`).selectOption('operator');
  await page
    .getByRole('row', { name: new RegExp(me) })
    .getByRole('button', { name: 'Change role' })
    .click();
  await expect(
    page.getByRole('alert').filter({ hasText: `${me} is the last enabled admin` }),
  ).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(`Role of ${me}`)).toHaveValue('admin');
});
