// Replay in the browser: an operator opens a dead letter, edits its payload, sees the schema's
// error beside the field, fixes it, dry-runs (the table says what would be sent), replays and
// sees the job recorded; the jobs page lists it. A viewer sees no replay or discard control, and
// a replay request forged by a viewer's session is refused with 403 and audited. (The job's
// outcome needs the pipeline's workers, which the browser suite does not run: the integration
// suite test/dlq/dlq-replay.integration.test.ts follows outcomes to every store.)

import { expect, type Page, test } from '@playwright/test';
import { quoteIdent } from '@sluice/db';
import pg from 'pg';
import { DLQ_SEED, seedDlq } from './dlq-seed.ts';
import { E2E_USERS, e2eEnv } from './env.ts';

test.beforeAll(seedDlq);

/** The job the operator's replay recorded, for the jobs page. */
let jobId: string | undefined;

async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
}

async function openNewestSchemaError(page: Page) {
  await page.goto(`${e2eEnv.baseUrl}/dlq?sig=${DLQ_SEED.schemaError.signature}`);
  const entries = page.getByRole('region', { name: 'Entries of the signature' });
  await entries.getByRole('row').nth(1).getByRole('link').click();
  return page.getByRole('region', { name: /^Entry #\d+$/ });
}

test('an operator edits a payload, sees the invalid field, fixes it, dry-runs and replays', async ({
  page,
}) => {
  await signIn(page, E2E_USERS.operator);
  const detail = await openNewestSchemaError(page);
  await detail.getByLabel('Edit the payload').check();
  const editor = detail.getByLabel('Edited event (JSON)');
  await expect(editor).toHaveValue(/"event_id": "e2e-dlq-3"/);

  // The seeded payload lacks what the schema requires: the error names the field.
  await detail.getByRole('button', { name: 'Check the event' }).click();
  const error = detail.getByRole('alert');
  await expect(error).toHaveText(/^(timestamp|user_id|session_id): /);
  await expect(editor).toHaveAttribute('aria-invalid', 'true');

  await editor.fill(
    JSON.stringify(
      {
        event_id: 'e2e-dlq-3',
        type: 'pageview',
        timestamp: '2026-11-01T10:00:00Z',
        user_id: 'u-fixed',
        session_id: 's-3',
      },
      null,
      2,
    ),
  );
  await detail.getByRole('button', { name: 'Check the event' }).click();
  await expect(detail.getByRole('alert')).toHaveCount(0);

  await detail.getByRole('button', { name: 'Dry run' }).click();
  const plan = detail.getByRole('table', {
    name: 'Dry run: what would be sent, and what is skipped and why',
  });
  await expect(plan.getByRole('row').nth(1)).toContainText('send');
  await expect(plan.getByRole('row').nth(1)).toContainText('"user_id":"u-fixed"');

  await detail.getByRole('button', { name: 'Replay' }).click();
  const status = detail.getByRole('status').filter({ hasText: /^Job \d+/ });
  await expect(status).toContainText(/Job \d+: planned, pending 1/);
  jobId = (await status.textContent())?.match(/Job (\d+)/)?.[1];
  expect(jobId).toMatch(/^\d+$/);
});

test('the jobs page lists the recorded job and its entry', async ({ page }) => {
  await signIn(page, E2E_USERS.operator);
  await page.goto(`${e2eEnv.baseUrl}/dlq/jobs`);
  const jobs = page.getByRole('region', { name: 'Jobs, newest first' });
  // The dry run and the replay.
  await expect(jobs.getByRole('row').filter({ hasText: E2E_USERS.operator.email })).toHaveCount(2);
  await jobs.getByRole('link', { name: jobId as string, exact: true }).click();
  const job = page.getByRole('region', { name: `Job ${jobId}` });
  await expect(job).toContainText('pending 1');
  await expect(job.getByRole('row').nth(1)).toContainText('e2e-dlq-3');
});

test('a viewer sees no replay control, and a forged replay is refused and audited', async ({
  page,
}) => {
  await signIn(page, E2E_USERS.viewer);
  const detail = await openNewestSchemaError(page);
  await expect(detail.getByRole('heading', { name: /^Entry #/ })).toBeVisible();
  await expect(detail.getByRole('button', { name: /replay|discard|dry run|check/i })).toHaveCount(
    0,
  );
  await expect(detail.getByLabel('Edit the payload')).toHaveCount(0);

  // The same request the operator's page sends, from the viewer's session and the console's
  // own origin: only the role can refuse it.
  const res = await page.request.post(`${e2eEnv.baseUrl}/api/trpc/dlq.replay`, {
    headers: {
      'content-type': 'application/json',
      origin: new URL(e2eEnv.baseUrl).origin,
      'sec-fetch-site': 'same-origin',
    },
    data: { ids: [1], dryRun: false },
  });
  expect(res.status()).toBe(403);
  const db = new pg.Client({ connectionString: e2eEnv.databaseUrl });
  await db.connect();
  try {
    const audit = await db.query(
      `SELECT actor, details->>'code' AS code FROM ${quoteIdent(e2eEnv.schema)}.audit_log
       WHERE action = 'request.refused' AND target = 'dlq.replay'`,
    );
    expect(audit.rows).toContainEqual({ actor: E2E_USERS.viewer.email, code: 'FORBIDDEN' });
  } finally {
    await db.end();
  }
});
