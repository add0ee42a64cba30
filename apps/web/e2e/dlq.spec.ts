// The dead-letter inbox in the browser: a viewer filters the grouped inbox, opens a signature
// and an entry, and reads its headers and JSON payload; the view is a link that reloads to the
// same place; nothing breaks the console's CSP; a viewer sees no write action.
import { expect, type Page, test } from '@playwright/test';
import { DLQ_SEED, seedDlq } from './dlq-seed.ts';
import { E2E_USERS, e2eEnv } from './env.ts';

test.beforeAll(seedDlq);

/** Every CSP violation and console error of the page, across navigations. */
async function watch(page: Page) {
  const seen = { violations: [] as unknown[], errors: [] as string[] };
  await page.exposeBinding('__reportCspViolation', (_source, v: unknown) => {
    seen.violations.push(v);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCspViolation: (v: unknown) => void }).__reportCspViolation({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
      });
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => seen.errors.push(`uncaught: ${e.message}`));
  return seen;
}

test('a viewer filters the inbox, opens a signature and reads an entry', async ({
  page,
}, testInfo) => {
  const seen = await watch(page);
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(E2E_USERS.viewer.email);
  await page.getByLabel('Password').fill(E2E_USERS.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();

  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', {
      name: 'Dead-letter queue',
    })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dead-letter queue' })).toBeVisible();
  const groups = page.getByRole('region', { name: 'Error signatures' });
  const schemaRow = groups
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: DLQ_SEED.schemaError.text }) });
  await expect(schemaRow.getByRole('cell').nth(2)).toHaveText(String(DLQ_SEED.schemaError.count));
  await expect(groups.getByRole('link', { name: DLQ_SEED.binary.text })).toBeVisible();

  // A filter narrows the groups and goes into the URL.
  await page.getByLabel('Error class').fill('SchemaError');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/errorClass=SchemaError/);
  await expect(groups.getByRole('link', { name: DLQ_SEED.binary.text })).toHaveCount(0);

  await groups.getByRole('link', { name: DLQ_SEED.schemaError.text }).click();
  const entries = page.getByRole('region', { name: 'Entries of the signature' });
  await expect(entries.getByRole('row')).toHaveCount(DLQ_SEED.schemaError.count + 1);
  // Newest failure first: entry 3 of the seed.
  const newest = entries.getByRole('row').nth(1);
  await expect(newest).toContainText('e2e-dlq-3');
  await newest.getByRole('link').click();

  const detail = page.getByRole('region', { name: /^Entry #\d+$/ });
  const checkDetail = async () => {
    await expect(detail.getByRole('definition').first()).toHaveText('enrichment');
    await expect(
      detail
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: 'x-e2e-origin' }) }),
    ).toContainText('shop-3');
    await expect(
      detail
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: 'sluice.stage' }) }),
    ).toContainText('enrichment');
    const value = detail.getByRole('figure', { name: /^Original value \(JSON, \d+ bytes\)$/ });
    await expect(value).toContainText('"event_id": "e2e-dlq-3"');
    await expect(value).toContainText('"ts": "yesterday"');
    await expect(detail.getByRole('figure', { name: 'Stack' })).toContainText('validateEvent');
  };
  await checkDetail();
  await expect(page).toHaveURL(/sig=c{32}.*entry=\d+|entry=\d+.*sig=c{32}/);

  // The URL is the view: reloaded, it shows the same filter, group and entry.
  await page.reload();
  await checkDetail();
  await expect(page.getByLabel('Error class')).toHaveValue('SchemaError');

  await expect(page.getByRole('button', { name: /replay|discard|edit/i })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('dlq-entry.png'), fullPage: true });
  expect(seen.violations).toEqual([]);
  // The console has no favicon and Chromium asks for one (as security.spec.ts says): a 404
  // that has nothing to do with this page.
  expect(seen.errors.filter((e) => !e.endsWith('/favicon.ico)'))).toEqual([]);
});

test('an entry whose bytes are not text shows them as hex', async ({ page }) => {
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(E2E_USERS.viewer.email);
  await page.getByLabel('Password').fill(E2E_USERS.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await page.goto(`${e2eEnv.baseUrl}/dlq?sig=${DLQ_SEED.binary.signature}`);
  const entries = page.getByRole('region', { name: 'Entries of the signature' });
  await entries.getByRole('row').nth(1).getByRole('link').click();
  const value = page.getByRole('figure', { name: 'Original value (hex, 4 bytes)' });
  await expect(value.locator('pre')).toHaveText('de ad be ef');
});
