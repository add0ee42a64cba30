import { expect, type Locator, type Page, test } from '@playwright/test';
import { HyperLogLog } from '@sluice/core';
import { quoteIdent } from '@sluice/db';
import pg from 'pg';
import { num, time } from '../src/components/format.ts';
import { E2E_KAFKA, E2E_USERS, e2eEnv } from './env.ts';
import { signIn } from './sign-in.ts';

/** A chart is drawn (a line path) and its data table holds at least one positive number. */
async function expectNonZeroChart(page: Page, name: string) {
  const figure = page.getByRole('figure', { name });
  await expect(figure).toBeVisible();
  await expect(figure.locator('path.recharts-line-curve').first()).toHaveAttribute('d', /\d/);
  await expect(async () => {
    const cells = await figure.locator('table tbody td').allTextContents();
    const values = cells.map((c) => Number.parseFloat(c.replace(/,/g, ''))).filter((v) => v > 0);
    expect(values.length).toBeGreaterThan(0);
  }).toPass({ timeout: 15_000 });
}

/** The merged window as the database holds it: summed counts and the union of the sketches. */
async function windowFromDb(windowStart: Date, type: string) {
  const client = new pg.Client({ connectionString: e2eEnv.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      count: string;
      late_accepted: string;
      unique_users_sketch: Buffer;
      unique_users_estimate: string;
    }>(
      `SELECT count, late_accepted, unique_users_sketch, unique_users_estimate
         FROM ${quoteIdent(e2eEnv.schema)}.window_aggregates
        WHERE window_size = '1m' AND window_start = $1 AND type = $2`,
      [windowStart, type],
    );
    const union = new HyperLogLog();
    for (const r of rows) union.merge(new HyperLogLog(new Uint8Array(r.unique_users_sketch)));
    return {
      partitions: rows.length,
      count: rows.reduce((s, r) => s + Number(r.count), 0),
      lateAccepted: rows.reduce((s, r) => s + Number(r.late_accepted), 0),
      uniqueUsers: Math.round(union.estimate()),
      largestPartition: Math.max(...rows.map((r) => Number(r.unique_users_estimate))),
    };
  } finally {
    await client.end();
  }
}

const cellsOf = (row: Locator) => row.getByRole('cell').allTextContents();

const WRITE_ACTION = /add user|replay|discard|delete|edit|pause|resume|stop/i;

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

test('an admin sees every page with its data', async ({ page }, testInfo) => {
  await signIn(page, E2E_USERS.admin);
  await expect(page.getByRole('heading', { name: 'Lag per consumer group' })).toBeVisible();
  // Redis: events per minute and end-to-end latency; PostgreSQL: the lag monitor's polls.
  await expectNonZeroChart(page, 'Events and errors per minute over the last hour');
  await expectNonZeroChart(page, 'Records per second per pipeline stage over the last hour');
  await expectNonZeroChart(page, 'Offset lag per consumer group over the last hour');
  await expectNonZeroChart(page, 'End-to-end latency per minute over the last 15 minutes');
  const latency = page.getByRole('region', { name: /End-to-end latency/ });
  await expect(latency.getByRole('definition').first()).toHaveText(/^≤ \d+ (ms|s)$/);
  // A fresh writer's sinks are up or down as it says; the writer that went away is stale.
  const sinks = page.getByRole('region', { name: 'Sink health' });
  await expect(sinks.getByRole('row', { name: /search writer-1 down/ })).toBeVisible();
  await expect(sinks.getByRole('row', { name: /timescale writer-1 up/ })).toBeVisible();
  await expect(sinks.getByRole('row', { name: /timescale writer-0 stale/ })).toBeVisible();
  // Each stage's state from the control channel beside its rates.
  const enrichmentRow = page.getByRole('row', { name: /^Enrichment/ });
  await expect(enrichmentRow.getByRole('cell').nth(-2)).toHaveText(/^(running|paused|stopped)/);
  await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });

  await page.getByRole('link', { name: 'Consumer groups' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Consumer groups' })).toBeVisible();
  // The lag monitor's polls of the run's storage writers (its prefix: the console's pipeline).
  const storage = e2eEnv.names.groups.storage;
  await expect(page.getByRole('button', { name: storage, exact: true })).toBeVisible();
  await page.getByRole('button', { name: storage, exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: storage })).toBeVisible();
  await expect(page.getByText('Lag trend (last hour, from lag samples)')).toBeVisible();
  await page.waitForTimeout(500);
  await page.screenshot({ path: testInfo.outputPath('groups.png'), fullPage: true });

  await page.getByRole('link', { name: 'Window aggregates' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Window aggregates' })).toBeVisible();
  const start = new Date((Math.floor(Date.now() / 60_000) - 2) * 60_000);
  const db = await windowFromDb(start, 'pageview');
  expect(db.partitions).toBe(3);
  const row = page
    .getByRole('region', { name: /Events per 1m window/ })
    .getByRole('row')
    .filter({ hasText: time(start.toISOString()) });
  // Window start, type, count, unique users, late accepted, late dropped, partitions.
  await expect
    .poll(() => cellsOf(row))
    .toEqual([
      time(start.toISOString()),
      'pageview',
      num(db.count),
      num(db.uniqueUsers),
      num(db.lateAccepted),
      '0',
      '3',
    ]);
  // The merged estimate, not the largest partition's (the console's old lower bound).
  expect(db.uniqueUsers).not.toBe(db.largestPartition);
  await expectNonZeroChart(page, 'Event count per 1m window by type');
  await expectNonZeroChart(page, 'Unique users per 1m window by type, merged across partitions');
  const open = page.getByRole('region', { name: /\(open\)$/ });
  await expect(open.getByRole('definition').first()).toHaveText(/^[1-9][\d,]*$/, {
    timeout: 15_000,
  });
  await expect(page.getByText('live · partial')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('aggregates.png'), fullPage: true });

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page.getByRole('cell', { name: E2E_USERS.viewer.email })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('audit.png'), fullPage: true });

  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('button', { name: 'Add user' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('users.png'), fullPage: true });
});

test('the consumer-group page shows 12 partitions per group with lag', async ({
  page,
}, testInfo) => {
  // A real group on real Kafka (global setup): the enrichment worker committed all the events
  // it found on every partition, then stopped before the backlog arrived.
  const { group, topic } = e2eEnv.kafka;
  await signIn(page, E2E_USERS.admin);
  await page.getByRole('link', { name: 'Consumer groups' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Consumer groups' })).toBeVisible();
  const listed = page
    .getByRole('region', { name: 'Groups' })
    .getByRole('row')
    .filter({
      has: page.getByRole('button', { name: group, exact: true }),
    });
  // Under the run's prefix it is the console's own enrichment stage: a pipeline group.
  await expect.poll(() => cellsOf(listed)).toEqual([group, 'Empty', 'yes']);
  await listed.getByRole('button', { name: group, exact: true }).click();
  const detail = page.getByRole('region', { name: group });
  await expect(detail.getByRole('heading', { level: 2, name: group })).toBeVisible();
  const rows = detail
    .getByRole('table')
    .filter({ has: page.getByRole('columnheader', { name: 'Offset lag' }) })
    .locator('tbody tr');
  await expect(rows).toHaveCount(E2E_KAFKA.partitions);

  const int = (text: string) => Number(text.replace(/,/g, ''));
  const table = await Promise.all((await rows.all()).map(cellsOf));
  // Topic, partition, committed, end, offset lag, time lag, status.
  expect(table.map((r) => r[0])).toEqual(Array(E2E_KAFKA.partitions).fill(topic));
  expect(table.map((r) => int(r[1] as string))).toEqual([...Array(E2E_KAFKA.partitions).keys()]);
  const committed = table.map((r) => int(r[2] as string));
  const end = table.map((r) => int(r[3] as string));
  const lag = table.map((r) => int(r[4] as string));
  for (const c of committed) expect(c).toBeGreaterThan(0);
  expect(lag).toEqual(end.map((e, i) => e - (committed[i] as number)));
  expect(lag.some((l) => l > 0)).toBe(true);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  expect(sum(committed)).toBe(E2E_KAFKA.consumed);
  expect(sum(lag)).toBe(E2E_KAFKA.backlog);
  await expect(detail.getByText(/live offset lag \(Kafka\)/)).toContainText(
    `live offset lag (Kafka) ${num(E2E_KAFKA.backlog)}`,
  );
  await page.screenshot({ path: testInfo.outputPath('group-partitions.png'), fullPage: true });
});

test('a viewer sees no write action and no admin pages', async ({ page }, testInfo) => {
  await signIn(page, E2E_USERS.viewer);
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  for (const path of ['/', '/groups', '/stages', '/aggregates', '/audit', '/users']) {
    await page.goto(`${e2eEnv.baseUrl}${path}`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('button', { name: WRITE_ACTION })).toHaveCount(0);
  }
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'User management is for admins only.',
  );
  await page.screenshot({ path: testInfo.outputPath('viewer-users-denied.png'), fullPage: true });
  // The API says the same as the page.
  const res = await page.request.get(`${e2eEnv.baseUrl}/api/trpc/audit.list?input=%7B%7D`);
  expect(res.status()).toBe(403);
});

test('the stages page gives an operator pause or resume and an admin also stop and a reset preview', async ({
  page,
}) => {
  for (const [user, stop] of [
    [E2E_USERS.operator, 0],
    [E2E_USERS.admin, 4],
  ] as const) {
    await signIn(page, user);
    await page.goto(`${e2eEnv.baseUrl}/stages`);
    const table = page.getByRole('region', { name: 'State of each stage' });
    await expect(table.getByRole('row')).toHaveCount(5);
    for (const stage of ['Enrichment', 'Aggregation', 'Storage', 'DLQ indexer']) {
      const row = table.getByRole('row').filter({ hasText: stage });
      await expect(row.getByRole('button', { name: /^(Pause|Resume)$/ })).toHaveCount(1);
    }
    // This test only looks; stages.spec.ts changes states (on the run's own prefixed groups).
    await expect(table.getByRole('button', { name: 'Stop' })).toHaveCount(stop);
    const reset = page.getByRole('region', { name: 'Reset offsets' });
    if (stop === 0) await expect(reset).toHaveCount(0);
    else {
      // The preview only reads: every partition of events.raw with its offsets now and then.
      await reset.getByRole('button', { name: 'Preview' }).click();
      await expect(reset.getByRole('table', { name: 'Reset plan' }).getByRole('row')).toHaveCount(
        13,
      );
    }
    await page.context().clearCookies();
  }
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
