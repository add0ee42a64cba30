// The topics page and the message browser, read-only: an operator opens the dead-letter topic
// the global setup's enrichment worker wrote (its demo traffic is 0.5% malformed), reads the
// newest records of a partition that holds some, and opens one: its DLQ headers and its value
// are shown.
// A viewer sees the partitions but no message browser. The event trace page answers for an id.

import { expect, test } from '@playwright/test';
import { E2E_USERS, e2eEnv } from './env.ts';
import { signIn } from './sign-in.ts';

test('an operator opens a dead-letter record in the message browser', async ({ page }) => {
  const dlq = e2eEnv.names.topics.dlq;
  await signIn(page, E2E_USERS.operator);
  await page.getByRole('link', { name: 'Topics' }).click();
  const topics = page.getByRole('region', { name: 'Topics on the cluster' });
  await topics.getByRole('link', { name: dlq, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Topic ${dlq}` })).toBeVisible();

  // A partition whose log holds offsets (log end above log start).
  const rows = page.getByRole('region', { name: 'Partitions' }).getByRole('row');
  await expect(rows.nth(1)).toBeVisible();
  let partition: string | undefined;
  for (const row of await rows.all()) {
    const cells = await row.getByRole('cell').allTextContents();
    if (
      cells.length === 6 &&
      Number(cells[5]?.replaceAll(',', '')) > Number(cells[4]?.replaceAll(',', ''))
    )
      partition = cells[0];
    if (partition !== undefined) break;
  }
  expect(partition, 'a partition of the dead-letter topic with records').toBeDefined();

  const browser = page.getByRole('region', { name: 'Messages' });
  await browser.getByLabel('Partition').selectOption(partition as string);
  await browser.getByLabel('Records per page').fill('5');
  await browser.getByRole('button', { name: 'Read' }).click();
  const records = browser.getByRole('list', { name: 'Records, newest first' });
  await expect(records).toBeVisible();
  const first = records.getByRole('listitem').first();
  await first.locator('summary').click();
  // A dead letter carries the envelope's headers.
  await expect(first.getByRole('rowheader', { name: 'sluice.stage' })).toBeVisible();
  await expect(first.locator('pre')).not.toBeEmpty();
});

test('a viewer sees partitions but no message browser', async ({ page }) => {
  await signIn(page, E2E_USERS.viewer);
  await page.goto(`${e2eEnv.baseUrl}/topics/${e2eEnv.names.topics.dlq}`);
  await expect(page.getByRole('region', { name: 'Partitions' })).toBeVisible();
  await expect(page.getByText('Browsing messages needs the operator role.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Messages' })).toHaveCount(0);
});

test('the event trace of an unknown id says what it looked for', async ({ page }) => {
  await signIn(page, E2E_USERS.viewer);
  await page.goto(`${e2eEnv.baseUrl}/trace?event=e2e-no-such-event`);
  const stores = page.getByRole('region', { name: 'Stores holding e2e-no-such-event' });
  await expect(stores).toBeVisible();
  await expect(stores.locator('[data-store="timescaledb"]')).toHaveText('no');
  await expect(page.getByRole('region', { name: 'Raw record' })).toContainText('Not found.');
});
