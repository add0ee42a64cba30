import { auditLog } from '@sluice/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
});
afterAll(() => h.close());

describe('users', () => {
  it('creates a user who can then sign in, and audits it', async () => {
    const created = await h.admin.users.create({
      email: 'New.Operator@Example.test',
      password: 'correct horse battery',
      role: 'operator',
    });
    expect(created).toMatchObject({ email: 'new.operator@example.test', role: 'operator' });

    const signIn = await h.auth.api.signInEmail({
      body: { email: 'new.operator@example.test', password: 'correct horse battery' },
      asResponse: true,
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    const session = await h.auth.api.getSession({ headers: new Headers({ cookie }) });
    expect(session?.user.role).toBe('operator');

    const wrong = await h.auth.api.signInEmail({
      body: { email: 'new.operator@example.test', password: 'wrong password!!' },
      asResponse: true,
    });
    expect(wrong.status).toBe(401);

    const audit = await h.db.select().from(auditLog).where(eq(auditLog.action, 'user.create'));
    expect(audit).toMatchObject([
      {
        actor: 'admin@example.test',
        target: 'new.operator@example.test',
        details: { role: 'operator' },
      },
    ]);
    expect((await h.admin.users.list()).map((u) => u.email)).toEqual(['new.operator@example.test']);
  });

  it('refuses a duplicate email', async () => {
    await h.admin.users.create({
      email: 'dup@example.test',
      password: 'p'.repeat(12),
      role: 'viewer',
    });
    await expect(
      h.admin.users.create({ email: 'dup@example.test', password: 'p'.repeat(12), role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
