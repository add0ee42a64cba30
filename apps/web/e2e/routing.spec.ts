// Routing rules in the console, in Chromium against the console under test (its own schema, so
// publishing here touches no other routing): an admin edits a rule, sees the validation error
// naming the key, previews the draft on recent stored events, publishes, sees the version in
// force and the version a storage writer reports, and rolls back; a viewer sees no control.
import { expect, test } from '@playwright/test';
import { realtimeKeys } from '@sluice/core';
import { quoteIdent } from '@sluice/db';
import { Redis } from 'ioredis';
import pg from 'pg';
import { E2E_USERS, e2eEnv } from './env.ts';
import { signIn } from './sign-in.ts';

const rules = (destinations: string[]) =>
  JSON.stringify(
    {
      rules: [{ name: 'behaviour', match: { type: ['pageview'] }, destinations }],
      unmatched: [],
    },
    null,
    2,
  );

test.beforeAll(async () => {
  // Three recent events as the storage writers store them: the preview's sample.
  const client = new pg.Client({ connectionString: e2eEnv.databaseUrl });
  await client.connect();
  try {
    const t = (ago: number) => new Date(Date.now() - ago * 1000);
    await client.query(
      `INSERT INTO ${quoteIdent(e2eEnv.schema)}.events (event_time, event_id, type, user_id, session_id)
       VALUES ($1, 'route-e1', 'pageview', 'u1', 's1'), ($2, 'route-e2', 'pageview', 'u2', 's2'),
              ($3, 'route-e3', 'click', 'u3', 's3')
       ON CONFLICT DO NOTHING`,
      [t(3), t(2), t(1)],
    );
  } finally {
    await client.end();
  }
});

test('an admin edits, validates, previews, publishes and rolls back routing rules', async ({
  page,
}) => {
  page.on('dialog', (d) => void d.accept());
  await signIn(page, E2E_USERS.admin);
  await page.getByRole('link', { name: 'Routing' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Routing' })).toBeVisible();
  await expect(page.getByTestId('in-force')).toContainText('No version published yet');

  const editor = page.getByLabel('Routing rules (JSON)');
  await editor.fill(rules(['mysql']));
  await expect(page.getByRole('alert', { name: 'Errors' })).toContainText('rules.0.destinations.0');
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();

  await editor.fill(rules(['timescaledb']));
  await expect(page.getByTestId('check')).toContainText('Valid.');
  await expect(page.getByTestId('diff')).toContainText('~ rule behaviour');
  await page.getByRole('button', { name: 'Preview the draft' }).click();
  const totals = page.getByRole('table', { name: 'Preview totals' });
  await expect(totals).toContainText('recent events');
  await expect(totals.locator('tr[data-store="timescaledb"]')).toBeVisible();
  // The built-in table (nothing published yet) sends the click to PostgreSQL, Redis and the
  // archive; the draft sends it nowhere, and the pageviews to PostgreSQL only.
  const perEvent = page.getByRole('table', { name: 'Preview per event' });
  await expect(perEvent.getByRole('row', { name: /route-e3/ }).getByRole('cell')).toHaveText([
    'route-e3',
    'click',
    'timescaledb, redis, s3',
    'nowhere (changed)',
  ]);
  await expect(perEvent.getByRole('row', { name: /route-e1/ }).getByRole('cell')).toHaveText([
    'route-e1',
    'pageview',
    'timescaledb, redis, s3',
    'timescaledb (changed)',
  ]);

  await page.getByLabel(/^Note/).fill('pageviews only');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published version 1' })).toBeVisible();
  await expect(page.getByTestId('in-force')).toContainText('Version 1 in force');

  // A storage writer reporting the version it runs, as the writers do with their sink health.
  const redis = new Redis(e2eEnv.redisUrl);
  try {
    await redis.hset(realtimeKeys.sinkHealth(`${e2eEnv.schema}:`), {
      'timescaledb@routing-e2e': JSON.stringify({
        sink: 'timescaledb',
        worker_id: 'routing-e2e',
        up: true,
        pending: 0,
        last_ok_at: null,
        last_error: null,
        last_error_at: null,
        updated_at: new Date().toISOString(),
        routing_version: 1,
      }),
    });
    await expect(page.locator('tr[data-writer="routing-e2e"]')).toContainText('1', {
      timeout: 15_000,
    });
  } finally {
    await redis.hdel(realtimeKeys.sinkHealth(`${e2eEnv.schema}:`), 'timescaledb@routing-e2e');
    redis.disconnect();
  }

  await editor.fill(rules(['timescaledb', 'redis']));
  await expect(page.getByTestId('check')).toContainText('Valid.');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('in-force')).toContainText('Version 2 in force');
  await page.getByRole('button', { name: 'Roll back to 1' }).click();
  await expect(page.getByTestId('in-force')).toContainText('Version 1 in force');
  await expect(page.getByTestId('in-force')).toContainText('rollback by admin@e2e.test');
  await expect(page.locator('tr[data-version="1"]')).toContainText('pageviews only');
  // Any version loads into the editor as the start of a new draft.
  await page.getByRole('button', { name: 'Load version 2 as a draft' }).click();
  await expect(editor).toHaveValue(/"redis"/);
  await expect(page.getByTestId('diff')).toContainText('⇒  type pageview → timescaledb, redis');
});

test('a viewer sees the versions but no control', async ({ page }) => {
  await signIn(page, E2E_USERS.viewer);
  await page.goto(`${e2eEnv.baseUrl}/routing`);
  await expect(page.getByRole('heading', { level: 1, name: 'Routing' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Preview the draft' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Load version 1 as a draft' })).toBeVisible();
  // No control that writes (the house's list of write actions, as console.spec.ts has it).
  await expect(
    page.getByRole('button', { name: /publish|roll back|add user|replay|discard|delete|edit/i }),
  ).toHaveCount(0);
});
