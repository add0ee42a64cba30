import { mkdirSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { E2E_USERS, e2eEnv } from './env.ts';

const shots = new URL('../test-results/screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
}

const WRITE_ACTION = /add user|replay|discard|delete|edit/i;

test('a signed-out request to a tRPC procedure gets 401, and a page redirects to sign-in', async ({
  page,
  request,
}) => {
  const res = await request.get(`${e2eEnv.baseUrl}/api/trpc/overview.summary`);
  expect(res.status()).toBe(401);
  await page.goto(`${e2eEnv.baseUrl}/groups`);
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fgroups$/);
});

test('wrong password is refused', async ({ page }) => {
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(E2E_USERS.admin.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Wrong email or password.');
});

test('an admin sees every page with its data', async ({ page }) => {
  await signIn(page, E2E_USERS.admin);
  await expect(page.getByRole('heading', { name: 'Lag per consumer group' })).toBeVisible();
  await expect(page.getByText('No data yet: no process records end-to-end latency.')).toBeVisible();
  await page.screenshot({ path: `${shots}overview.png`, fullPage: true });

  await page.getByRole('link', { name: 'Consumer groups' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Consumer groups' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'storage-writers', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'storage-writers', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'storage-writers' })).toBeVisible();
  await expect(page.getByText('Lag trend (last hour, from lag samples)')).toBeVisible();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${shots}groups.png`, fullPage: true });

  await page.getByRole('link', { name: 'Window aggregates' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Window aggregates' })).toBeVisible();
  // Three partitions of 100, 200 and 300 events merge into one window of 600.
  await expect(page.getByRole('cell', { name: '600', exact: true }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: '≥ 30' }).first()).toBeVisible();
  await page.screenshot({ path: `${shots}aggregates.png`, fullPage: true });

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page.getByRole('cell', { name: E2E_USERS.viewer.email })).toBeVisible();
  await page.screenshot({ path: `${shots}audit.png`, fullPage: true });

  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('button', { name: 'Add user' })).toBeVisible();
  await page.screenshot({ path: `${shots}users.png`, fullPage: true });
});

test('a viewer sees no write action and no admin pages', async ({ page }) => {
  await signIn(page, E2E_USERS.viewer);
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  for (const path of ['/', '/groups', '/aggregates', '/audit', '/users']) {
    await page.goto(`${e2eEnv.baseUrl}${path}`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('button', { name: WRITE_ACTION })).toHaveCount(0);
  }
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'User management is for admins only.',
  );
  await page.screenshot({ path: `${shots}viewer-users-denied.png`, fullPage: true });
  // The API says the same as the page.
  const res = await page.request.get(`${e2eEnv.baseUrl}/api/trpc/audit.list?input=%7B%7D`);
  expect(res.status()).toBe(403);
});

test('a mutation from a foreign origin is refused even with a session cookie', async ({ page }) => {
  await signIn(page, E2E_USERS.admin);
  const res = await page.request.post(`${e2eEnv.baseUrl}/api/trpc/users.create`, {
    headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
    data: { email: 'mallory@e2e.test', password: 'p'.repeat(12), role: 'admin' },
  });
  expect(res.status()).toBe(403);
});

test('the console serves liveness, readiness and Prometheus metrics without a session', async ({
  request,
}) => {
  const health = await request.get(`${e2eEnv.baseUrl}/api/healthz`);
  expect(health.status()).toBe(200);
  const ready = await request.get(`${e2eEnv.baseUrl}/api/readyz`);
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toEqual({ ready: true });
  const metrics = await (await request.get(`${e2eEnv.baseUrl}/api/metrics`)).text();
  expect(metrics).toMatch(/^process_cpu_user_seconds_total\{service="console"\} \d/m);
});
