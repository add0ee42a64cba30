// Signs a browser page in through the console's own form and waits for the overview, as a user
// would; shared by the specs.
import { expect, type Page } from '@playwright/test';
import { e2eEnv } from './env.ts';

export async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto(`${e2eEnv.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
}
