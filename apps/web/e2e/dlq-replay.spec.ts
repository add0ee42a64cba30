// Replay in the browser: an operator opens a dead letter, edits its payload in the JSON editor
// (CodeMirror), sees the schema's error beside the field and marked on it, fixes it, dry-runs
// (the table says what would be sent), replays, and sees the entry's outcome turn to succeeded
// once the run's pipeline workers (pipeline-workers.ts: enrichment, storage, dlq-indexer) have
// sent it and stored the event, which is then in PostgreSQL once; the jobs page lists the job
// and its outcome. A dead letter whose value was cut is skipped in the dry run, saying why, until
// its payload is replaced. A job whose runner died shows as stopped and an operator resumes it,
// handing it to the workers. A viewer sees no replay, discard or resume control, and a replay
// request forged by a viewer's session is refused with 403 and audited. (The integration suite
// test/dlq/dlq-replay.integration.test.ts follows outcomes to every store.)

import { expect, type Locator, type Page, test } from '@playwright/test';
import { quoteIdent } from '@sluice/db';
import pg from 'pg';
import { DLQ_SEED, seedDlq, seedStoppedReplayJob } from './dlq-seed.ts';
import { E2E_USERS, e2eEnv } from './env.ts';
import { type PipelineWorkers, startPipelineWorkers } from './pipeline-workers.ts';
import { signIn } from './sign-in.ts';

/** The job whose runner died, for the resume test. */
let stoppedJob: number;
test.beforeAll(async () => {
  await seedDlq();
  stoppedJob = await seedStoppedReplayJob();
});

/** The job the operator's replay recorded, for the jobs page. */
let jobId: string | undefined;

async function openNewestOf(page: Page, signature: string) {
  await page.goto(`${e2eEnv.baseUrl}/dlq?sig=${signature}`);
  const entries = page.getByRole('region', { name: 'Entries of the signature' });
  await entries.getByRole('row').nth(1).getByRole('link').click();
  return page.getByRole('region', { name: /^Entry #\d+$/ });
}
const openNewestSchemaError = (page: Page) => openNewestOf(page, DLQ_SEED.schemaError.signature);

/** The payload editor: CodeMirror's content, a textbox named by its label. */
const editorOf = (detail: Locator) => detail.getByRole('textbox', { name: 'Edited event (JSON)' });

// The run's pipeline workers run for these two only: the replay's outcome needs them, the resume
// below must find no worker, and the specs after these find the enrichment group's offsets as
// the global setup left them (events.raw then holds the replayed record too).
test.describe('with the pipeline workers running', () => {
  let workers: PipelineWorkers;
  test.beforeAll(async () => {
    workers = await startPipelineWorkers();
  });
  test.afterAll(async () => {
    await workers?.stop();
  });

  test('an operator edits a payload, sees the invalid field, fixes it, dry-runs, replays and sees it succeed', async ({
    page,
  }, testInfo) => {
    // The editing steps, then up to a minute for the pipeline to carry the replay.
    test.setTimeout(120_000);
    const violations: string[] = [];
    await page.exposeBinding('__cspViolation', (_source, v: string) => {
      violations.push(v);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(
          `${e.effectiveDirective} ${e.blockedURI}`,
        );
      });
    });
    await signIn(page, E2E_USERS.operator);
    const detail = await openNewestSchemaError(page);
    await detail.getByLabel('Edit the payload').check();
    const editor = editorOf(detail);
    await expect(editor).toContainText('"event_id": "e2e-dlq-3"');
    // CodeMirror's own styles applied (under the console's CSP): gutter beside the text.
    await expect(detail.locator('.cm-editor')).toHaveCSS('display', 'flex');
    expect(violations).toEqual([]);

    // The seeded payload lacks what the schema requires: the error names the field, beside the
    // editor and marked in it.
    await detail.getByRole('button', { name: 'Check the event' }).click();
    const error = detail.getByRole('alert');
    await expect(error).toHaveText(/^(timestamp|user_id|session_id): /);
    await expect(editor).toHaveAttribute('aria-invalid', 'true');
    await expect(editor).toHaveAttribute(
      'aria-describedby',
      (await error.getAttribute('id')) ?? '',
    );
    await expect(detail.locator('.cm-lintRange-error')).toHaveCount(1);
    await page.screenshot({ path: testInfo.outputPath('dlq-editor.png'), fullPage: true });

    // Text that is not JSON is marked as you type, and refused by the check.
    await editor.fill('{"event_id": "e2e-dlq-3",');
    await expect(detail.locator('.cm-lint-marker-error')).toHaveCount(1);
    await detail.getByRole('button', { name: 'Check the event' }).click();
    await expect(detail.getByRole('alert')).toHaveText(/^not JSON: /);

    // On one line: Playwright's fill of an editable element turns leading spaces into no-break
    // spaces, which no JSON allows (a person typing or pasting sends plain spaces).
    await editor.fill(
      JSON.stringify({
        event_id: 'e2e-dlq-3',
        type: 'pageview',
        timestamp: '2026-11-01T10:00:00Z',
        user_id: 'u-fixed',
        session_id: 's-3',
      }),
    );
    await detail.getByRole('button', { name: 'Check the event' }).click();
    await expect(detail.getByRole('alert')).toHaveCount(0);
    await expect(editor).toHaveAttribute('aria-invalid', 'false');
    await expect(detail.locator('.cm-lintRange-error')).toHaveCount(0);

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
    const entryId = (
      await detail.getByRole('heading', { name: /^Entry #\d+$/ }).textContent()
    )?.match(/#(\d+)/)?.[1];

    // The dlq-indexer takes the planned job (5 s after it was recorded) and sends it, enrichment
    // and storage carry the event to PostgreSQL, the indexer's next outcome check marks it; the
    // status follows the job by itself, as the operator watches it.
    try {
      await expect(
        status.getByRole('listitem'),
        `job ${jobId}: entry #${entryId}'s outcome on the page within 60 s`,
      ).toHaveText(`Entry #${entryId}: succeeded`, { timeout: 60_000 });
    } catch (err) {
      const problem = workers.problem();
      throw problem ? new Error(`${(err as Error).message}\n${problem}`) : err;
    }
    await expect(status).toContainText(`Job ${jobId}: done, succeeded 1`);

    // On the real stack: the edited event reached PostgreSQL's events table once.
    const db = new pg.Client({ connectionString: e2eEnv.databaseUrl });
    await db.connect();
    try {
      const stored = await db.query(
        `SELECT user_id, session_id FROM ${quoteIdent(e2eEnv.schema)}.events WHERE event_id = $1`,
        ['e2e-dlq-3'],
      );
      expect(stored.rows).toEqual([{ user_id: 'u-fixed', session_id: 's-3' }]);
    } finally {
      await db.end();
    }
  });

  test('the jobs page lists the recorded job and its entry with its outcome', async ({ page }) => {
    await signIn(page, E2E_USERS.operator);
    await page.goto(`${e2eEnv.baseUrl}/dlq/jobs`);
    const jobs = page.getByRole('region', { name: 'Jobs, newest first' });
    // The dry run and the replay.
    await expect(jobs.getByRole('row').filter({ hasText: E2E_USERS.operator.email })).toHaveCount(
      2,
    );
    await jobs.getByRole('link', { name: jobId as string, exact: true }).click();
    const job = page.getByRole('region', { name: `Job ${jobId}` });
    await expect(job).toContainText('succeeded 1');
    await expect(job.getByRole('row').nth(1).getByRole('cell')).toHaveText([
      /^#\d+$/,
      'e2e-dlq-3',
      'succeeded',
      /\(edited\)/,
    ]);
  });
});

test('a dead letter whose value was cut is skipped in the dry run, until its payload is replaced', async ({
  page,
}) => {
  await signIn(page, E2E_USERS.operator);
  const detail = await openNewestOf(page, DLQ_SEED.truncated.signature);
  await detail.getByRole('button', { name: 'Dry run' }).click();
  const plan = detail.getByRole('table', {
    name: 'Dry run: what would be sent, and what is skipped and why',
  });
  const item = plan.getByRole('row').nth(1);
  await expect(item).toContainText('skip (payload-truncated)');
  await expect(item).toContainText(
    `the stored payload was cut to 1000 of its ${DLQ_SEED.truncated.originalBytes} bytes to fit the dead-letter record; replay it with an edited payload`,
  );

  await detail.getByLabel('Edit the payload').check();
  await editorOf(detail).fill(
    JSON.stringify({
      event_id: 'e2e-dlq-cut',
      type: 'pageview',
      timestamp: '2026-11-01T10:00:00Z',
      user_id: 'u-cut',
      session_id: 's-cut',
    }),
  );
  await detail.getByRole('button', { name: 'Dry run' }).click();
  await expect(plan.getByRole('row').nth(1)).toContainText('send');
  await expect(plan.getByRole('row').nth(1)).toContainText('"user_id":"u-cut"');
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
  await page.goto(`${e2eEnv.baseUrl}/dlq/jobs`);
  // The job whose runner died is stopped (an operator would see Resume on it): no control here.
  await expect(
    page
      .getByRole('region', { name: 'Jobs, newest first' })
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: String(stoppedJob), exact: true }) }),
  ).toContainText('stopped (stopped: its runner is gone');
  await expect(page.getByRole('button', { name: /resume/i })).toHaveCount(0);

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

test('a job whose runner died shows as stopped, and an operator resumes it', async ({ page }) => {
  await signIn(page, E2E_USERS.operator);
  await page.goto(`${e2eEnv.baseUrl}/dlq/jobs`);
  const jobs = page.getByRole('region', { name: 'Jobs, newest first' });
  const row = jobs
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: String(stoppedJob), exact: true }) });
  await expect(row).toContainText(
    'stopped (stopped: its runner is gone (a crash or a restart); 1 left to send, of which 1 may be out already (a resume looks for them first))',
  );
  await row.getByRole('button', { name: `Resume job ${stoppedJob}` }).click();
  await expect(jobs.getByRole('status')).toHaveText(
    `Job ${stoppedJob} handed to the workers: 1 left to send.`,
  );
  // No worker runs now (they ran for the replay above only): the job waits for one, saying who
  // resumed it.
  await expect(row).toContainText(
    `waiting (resume requested by ${E2E_USERS.operator.email}; waiting for a dlq-indexer worker)`,
  );
  await expect(row.getByRole('button', { name: /Resume/ })).toHaveCount(0);

  const db = new pg.Client({ connectionString: e2eEnv.databaseUrl });
  await db.connect();
  try {
    const audit = await db.query(
      `SELECT actor, affected FROM ${quoteIdent(e2eEnv.schema)}.audit_log
       WHERE action = 'dlq.replay.resume' AND target = $1`,
      [`job:${stoppedJob}`],
    );
    expect(audit.rows).toEqual([{ actor: E2E_USERS.operator.email, affected: 1 }]);
  } finally {
    await db.end();
  }
});
