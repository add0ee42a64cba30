// The console's security headers in the production build, and that its pages still render and
// hydrate under them: a walk through every page (charts, tables, the add-user form, sign-out)
// with no Content-Security-Policy violation and no console error, an injected inline script
// that is blocked (which shows the listener catches violations), a frame that stays empty, and
// forged requests refused and audited.
import { expect, type Page, test } from '@playwright/test';
import { quoteIdent } from '@sluice/db';
import pg from 'pg';
import { E2E_USERS, e2eEnv } from './env.ts';
import { signIn } from './sign-in.ts';

interface Violation {
  directive: string;
  blocked: string;
  sample: string;
}

/** Every CSP violation and console error of the page, across navigations. */
async function watch(page: Page) {
  const violations: Violation[] = [];
  const errors: string[] = [];
  await page.exposeBinding('__reportCspViolation', (_source, v: Violation) => {
    violations.push(v);
  });
  // Runs in every document before its own scripts; Playwright's init scripts are not subject
  // to the page's CSP.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCspViolation: (v: unknown) => void }).__reportCspViolation({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        sample: e.sample,
      });
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));

  return { violations, errors };
}

const nonceOf = (policy: string | undefined) => policy?.match(/'nonce-([^']+)'/)?.[1];

async function refusalsInAudit(target: string): Promise<{ reason: string; actor: string }[]> {
  const client = new pg.Client({ connectionString: e2eEnv.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ reason: string; actor: string }>(
      `SELECT details->>'reason' AS reason, actor FROM ${quoteIdent(e2eEnv.schema)}.audit_log
        WHERE action = 'request.refused' AND target = $1 ORDER BY id`,
      [target],
    );
    return rows;
  } finally {
    await client.end();
  }
}

test('every response carries the security headers; pages get a fresh nonce that their scripts carry', async ({
  request,
}) => {
  const first = await request.get(`${e2eEnv.baseUrl}/sign-in`);
  const second = await request.get(`${e2eEnv.baseUrl}/sign-in`);
  for (const res of [first, second]) {
    const h = res.headers();
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('same-origin');
    expect(h['permissions-policy']).toContain('camera=()');
    const policy = h['content-security-policy'] ?? '';
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("'strict-dynamic'");
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).not.toContain('unsafe-inline');
    // Plain http here: no HSTS, no upgrade of subresources.
    expect(h['strict-transport-security']).toBeUndefined();
    expect(policy).not.toContain('upgrade-insecure-requests');
  }
  const nonce = nonceOf(first.headers()['content-security-policy']);
  expect(nonce).toBeTruthy();
  expect(nonceOf(second.headers()['content-security-policy'])).not.toBe(nonce);
  // Every script of the page carries this response's nonce (the page is rendered per request).
  const scripts = (await first.text()).match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);

  // Behind a TLS-terminating proxy: HSTS, and subresources upgraded.
  const https = await request.get(`${e2eEnv.baseUrl}/sign-in`, {
    headers: { 'x-forwarded-proto': 'https' },
  });
  expect(https.headers()['strict-transport-security']).toBe('max-age=31536000');
  expect(https.headers()['content-security-policy']).toContain('upgrade-insecure-requests');

  // The API and the build's static files carry the static headers too.
  const api = await request.get(`${e2eEnv.baseUrl}/api/trpc/overview.summary`);
  expect(api.headers()['x-content-type-options']).toBe('nosniff');
  expect(api.headers()['x-frame-options']).toBe('DENY');
  const chunk = (await first.text()).match(/src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(chunk).toBeTruthy();
  const asset = await request.get(`${e2eEnv.baseUrl}${chunk}`);
  expect(asset.status()).toBe(200);
  expect(asset.headers()['x-content-type-options']).toBe('nosniff');
});

test('the console renders and hydrates on every page with no CSP violation or console error', async ({
  page,
}) => {
  const seen = await watch(page);
  await signIn(page, E2E_USERS.admin);
  // Recharts draws on the client: a line path means the page hydrated and its queries ran.
  const drawn = (name: string) =>
    expect(
      page.getByRole('figure', { name }).locator('path.recharts-line-curve').first(),
    ).toHaveAttribute('d', /\d/, { timeout: 15_000 });
  await drawn('Events and errors per minute over the last hour');
  await drawn('Offset lag per consumer group over the last hour');

  await page.getByRole('link', { name: 'Consumer groups' }).click();
  const storage = e2eEnv.names.groups.storage;
  await page.getByRole('button', { name: storage, exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: storage })).toBeVisible();

  await page.getByRole('link', { name: 'Window aggregates' }).click();
  await drawn('Event count per 1m window by type');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page.getByRole('cell', { name: E2E_USERS.viewer.email }).first()).toBeVisible();

  // A mutation from the console's own page: the CSRF rule lets it through.
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await page.getByLabel('Email').fill('csp-walk@e2e.test');
  await page.getByLabel('Initial password (12+ characters)').fill('csp-walk-password');
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('status')).toHaveText('Added csp-walk@e2e.test as viewer.');

  // Full page loads too, not only client-side navigation; the last one draws its charts.
  for (const path of ['/', '/groups', '/stages', '/audit', '/users', '/aggregates']) {
    await page.goto(`${e2eEnv.baseUrl}${path}`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  await drawn('Event count per 1m window by type');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.waitForTimeout(500);
  expect(seen.violations).toEqual([]);
  // The console has no favicon and Chromium asks for one: a 404 that has nothing to do with CSP.
  expect(seen.errors.filter((e) => !e.endsWith('/favicon.ico)'))).toEqual([]);
});

test('script injected into a page does not run, and the violation is reported', async ({
  page,
}) => {
  const seen = await watch(page);
  // What a reflected or stored injection would put into the server's HTML: an inline script
  // and an inline event handler, without the nonce. The response keeps its real headers.
  await page.route(`${e2eEnv.baseUrl}/sign-in`, async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace(
      '<body>',
      '<body><script>window.__injected = "script"</script>' +
        '<img src="data:image/png;base64,AA" onerror="window.__injected = \'handler\'">',
    );
    expect(html).toContain('__injected');
    await route.fulfill({ response: res, body: html });
  });
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  // The page itself still hydrates: the form signs in.
  await page.getByLabel('Email').fill(E2E_USERS.viewer.email);
  await page.getByLabel('Password').fill(E2E_USERS.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  expect(seen.violations.map((v) => v.directive).sort()).toEqual([
    'script-src-attr',
    'script-src-elem',
  ]);
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  expect(await page.evaluate(() => (window as { __injected?: string }).__injected)).toBeUndefined();
});

test('another site cannot frame the console', async ({ page }) => {
  await page.goto('about:blank');
  await page.setContent(
    '<iframe id="control" srcdoc="<h1>framed control</h1>"></iframe>' +
      `<iframe id="console" src="${e2eEnv.baseUrl}/sign-in"></iframe>`,
  );
  // Frames render here (the control), but not the console's: the browser leaves it on its
  // error page, and the sign-in form never appears in it.
  await expect(page.frameLocator('#control').getByRole('heading')).toHaveText('framed control');
  await expect
    .poll(() => page.frames().map((f) => f.url()))
    .toContain('chrome-error://chromewebdata/');
  await expect(page.frameLocator('#console').getByLabel('Password')).toHaveCount(0);
  // The refusal is the browser's reading of the headers, not a server that failed to answer.
  const direct = await page.request.get(`${e2eEnv.baseUrl}/sign-in`);
  expect(direct.status()).toBe(200);
});

test('forged state-changing requests are refused and audited', async ({ page }) => {
  await signIn(page, E2E_USERS.admin);
  const create = (headers: Record<string, string>, email: string) =>
    page.request.post(`${e2eEnv.baseUrl}/api/trpc/users.create`, {
      headers: { 'content-type': 'application/json', ...headers },
      data: { email, password: 'p'.repeat(12), role: 'admin' },
    });
  // Playwright's request API sends no Origin and no Sec-Fetch-Site unless told to.
  expect((await create({}, 'no-origin@e2e.test')).status()).toBe(403);
  expect((await create({ origin: 'null' }, 'null-origin@e2e.test')).status()).toBe(403);
  expect(
    (
      await create({ origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }, 'x@e2e.test')
    ).status(),
  ).toBe(403);
  const refusals = await refusalsInAudit('users.create');
  expect(refusals.map((r) => r.reason)).toEqual(
    expect.arrayContaining(['csrf:missing-origin', 'csrf:null-origin', 'csrf:foreign-origin']),
  );
  expect(new Set(refusals.map((r) => r.actor))).toEqual(new Set([E2E_USERS.admin.email]));
  // None of them created a user.
  await page.goto(`${e2eEnv.baseUrl}/users`);
  await expect(page.getByRole('cell', { name: E2E_USERS.viewer.email })).toBeVisible();
  for (const email of ['no-origin@e2e.test', 'null-origin@e2e.test', 'x@e2e.test']) {
    await expect(page.getByRole('cell', { name: email })).toHaveCount(0);
  }

  // Sign-in posted by another site (login CSRF) is refused by Better Auth's own check.
  const forgedSignIn = await page.request.post(`${e2eEnv.baseUrl}/api/auth/sign-in/email`, {
    headers: {
      'content-type': 'application/json',
      origin: 'http://evil.example',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
    },
    data: { email: E2E_USERS.viewer.email, password: E2E_USERS.viewer.password },
  });
  expect(forgedSignIn.status()).toBe(403);
});
