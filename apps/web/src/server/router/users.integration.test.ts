import { activeSession, createUser, type Role } from '@sluice/auth';
import { auditLog, authUser } from '@sluice/db';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createRouterHarness, type RouterHarness } from '../router-test-harness.ts';

let h: RouterHarness;
beforeAll(async () => {
  h = await createRouterHarness();
});
afterAll(() => h.close());

const PASSWORD = 'correct horse battery';

/** Signs in through Better Auth; the session cookie, or null with the refusal's status. */
async function signIn(email: string, password = PASSWORD) {
  const res = await h.auth.api.signInEmail({ body: { email, password }, asResponse: true });
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('better-auth.session_token='))
    ?.split(';')[0];
  return { status: res.status, body: await res.text(), cookie: cookie ?? null };
}

async function sessionOf(cookie: string | null) {
  if (!cookie) return null;
  return h.auth.api.getSession({ headers: new Headers({ cookie }) });
}

async function auditOf(target: string, action: string) {
  return h.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.target, target), eq(auditLog.action, action)))
    .orderBy(auditLog.id);
}

const add = (email: string, role: Role) => createUser(h.auth, { email, password: PASSWORD, role });

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

describe('changing a role', () => {
  it('takes effect on the next request of a live session, audited with before and after', async () => {
    await add('promoted@example.test', 'viewer');
    const { cookie } = await signIn('promoted@example.test');
    expect((await sessionOf(cookie))?.user.role).toBe('viewer');

    const change = await h.admin.users.setRole({
      email: 'Promoted@Example.test',
      role: 'operator',
    });
    expect(change).toMatchObject({
      email: 'promoted@example.test',
      changed: true,
      before: { role: 'viewer', disabled: false },
      after: { role: 'operator', disabled: false },
    });
    expect((await sessionOf(cookie))?.user.role).toBe('operator');
    expect(await auditOf('promoted@example.test', 'user.role')).toMatchObject([
      {
        actor: 'admin@example.test',
        affected: 1,
        details: { before: { role: 'viewer' }, after: { role: 'operator' } },
      },
    ]);

    // The same role again changes and records nothing.
    const again = await h.admin.users.setRole({ email: 'promoted@example.test', role: 'operator' });
    expect(again.changed).toBe(false);
    expect(await auditOf('promoted@example.test', 'user.role')).toHaveLength(1);
  });

  it('answers NOT_FOUND for an unknown user and BAD_REQUEST for an unknown role', async () => {
    expect(
      await codeOf(h.admin.users.setRole({ email: 'nobody@example.test', role: 'admin' })),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf(
        h.admin.users.setRole({ email: 'promoted@example.test', role: 'root' as 'admin' }),
      ),
    ).toBe('BAD_REQUEST');
  });
});

describe('disabling a user', () => {
  it('ends their sessions at once and refuses their sign-in as a wrong password would', async () => {
    await add('leaver@example.test', 'operator');
    const first = await signIn('leaver@example.test');
    const second = await signIn('leaver@example.test');
    expect(await sessionOf(first.cookie)).not.toBeNull();

    const change = await h.admin.users.setDisabled({
      email: 'leaver@example.test',
      disabled: true,
    });
    expect(change).toMatchObject({
      changed: true,
      before: { disabled: false },
      after: { disabled: true },
      sessionsRevoked: 2,
    });
    expect(await sessionOf(first.cookie)).toBeNull();
    expect(await sessionOf(second.cookie)).toBeNull();

    const refused = await signIn('leaver@example.test');
    const wrongPassword = await signIn('leaver@example.test', 'not the password');
    const unknown = await signIn('never-existed@example.test');
    expect(refused).toMatchObject({ status: 401, cookie: null });
    // Nothing tells the three apart: not the status, not the body.
    expect(refused.body).toBe(unknown.body);
    expect(wrongPassword.body).toBe(unknown.body);
    expect(wrongPassword.status).toBe(unknown.status);

    expect(
      (await h.admin.users.list()).find((u) => u.email === 'leaver@example.test'),
    ).toMatchObject({ disabledAt: expect.any(String) });
    expect(await auditOf('leaver@example.test', 'user.disable')).toMatchObject([
      {
        actor: 'admin@example.test',
        details: { before: { disabled: false }, after: { disabled: true }, sessionsRevoked: 2 },
      },
    ]);
    expect(
      (await auditOf('leaver@example.test', 'auth.sign-in.failed')).map((r) => r.details),
    ).toEqual([{ reason: 'disabled' }, { reason: 'disabled' }]);
  });

  it('refuses a session that outlived the disable (a sign-in racing it)', async () => {
    await add('racer@example.test', 'viewer');
    const { cookie } = await signIn('racer@example.test');
    // As if the session was created after the disable had deleted the user's sessions.
    await h.db
      .update(authUser)
      .set({ disabledAt: new Date() })
      .where(eq(authUser.email, 'racer@example.test'));
    // Better Auth still finds it; the console's session rule does not.
    expect(await sessionOf(cookie)).not.toBeNull();
    expect(await activeSession(h.auth, new Headers({ cookie: cookie ?? '' }))).toBeNull();
  });

  it('lets them sign in again once enabled', async () => {
    const change = await h.admin.users.setDisabled({
      email: 'leaver@example.test',
      disabled: false,
    });
    expect(change).toMatchObject({ changed: true, after: { disabled: false } });
    const back = await signIn('leaver@example.test');
    expect(back.status).toBe(200);
    expect((await sessionOf(back.cookie))?.user.email).toBe('leaver@example.test');
    expect(await auditOf('leaver@example.test', 'user.enable')).toMatchObject([
      { details: { before: { disabled: true }, after: { disabled: false } } },
    ]);
  });
});

describe('resetting a password', () => {
  it('sets one meeting the rules, ends the sessions, and records no password', async () => {
    await add('forgetful@example.test', 'viewer');
    const old = await signIn('forgetful@example.test');
    const fresh = 'a brand new passphrase';

    const change = await h.admin.users.resetPassword({
      email: 'forgetful@example.test',
      password: fresh,
    });
    expect(change).toMatchObject({ changed: true, sessionsRevoked: 1 });
    expect(await sessionOf(old.cookie)).toBeNull();
    expect((await signIn('forgetful@example.test')).status).toBe(401);
    expect((await signIn('forgetful@example.test', fresh)).status).toBe(200);

    const rows = await auditOf('forgetful@example.test', 'user.password-reset');
    expect(rows).toMatchObject([
      { actor: 'admin@example.test', details: { passwordChanged: true, sessionsRevoked: 1 } },
    ]);
    expect(JSON.stringify(rows)).not.toContain(fresh);
  });

  it('refuses a password shorter than the rules allow, changing nothing', async () => {
    expect(
      await codeOf(
        h.admin.users.resetPassword({ email: 'forgetful@example.test', password: 'short' }),
      ),
    ).toBe('BAD_REQUEST');
    expect((await signIn('forgetful@example.test', 'a brand new passphrase')).status).toBe(200);
  });
});

describe('who may manage users', () => {
  it('refuses viewers and operators every user change, and changes nothing', async () => {
    await add('target@example.test', 'viewer');
    for (const caller of [h.viewer, h.operator, h.anonymous]) {
      const expected = caller === h.anonymous ? 'UNAUTHORIZED' : 'FORBIDDEN';
      expect(
        await codeOf(caller.users.setRole({ email: 'target@example.test', role: 'admin' })),
      ).toBe(expected);
      expect(
        await codeOf(caller.users.setDisabled({ email: 'target@example.test', disabled: true })),
      ).toBe(expected);
      expect(
        await codeOf(
          caller.users.resetPassword({ email: 'target@example.test', password: 'p'.repeat(20) }),
        ),
      ).toBe(expected);
    }
    const [target] = (await h.admin.users.list()).filter((u) => u.email === 'target@example.test');
    expect(target).toMatchObject({ role: 'viewer', disabledAt: null });
    expect((await signIn('target@example.test')).status).toBe(200);
    const changes = await h.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.target, 'target@example.test'),
          inArray(auditLog.action, ['user.role', 'user.disable', 'user.password-reset']),
        ),
      );
    expect(changes).toEqual([]);
  });
});

describe('the last enabled admin', () => {
  let g: RouterHarness;
  beforeAll(async () => {
    g = await createRouterHarness();
  });
  afterAll(() => g.close());

  it('cannot be demoted or disabled, and the refusal says why', async () => {
    await createUser(g.auth, {
      email: 'only-admin@example.test',
      password: PASSWORD,
      role: 'admin',
    });
    // A disabled admin is no way back in: it does not count.
    await createUser(g.auth, {
      email: 'off-admin@example.test',
      password: PASSWORD,
      role: 'admin',
    });
    await g.admin.users.setDisabled({ email: 'off-admin@example.test', disabled: true });

    for (const attempt of [
      () => g.admin.users.setRole({ email: 'only-admin@example.test', role: 'operator' }),
      () => g.admin.users.setDisabled({ email: 'only-admin@example.test', disabled: true }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/only-admin@example\.test is the last enabled admin/),
      });
    }
    const [still] = (await g.admin.users.list()).filter(
      (u) => u.email === 'only-admin@example.test',
    );
    expect(still).toMatchObject({ role: 'admin', disabledAt: null });
    // Re-enabling the other admin makes the first one free to step down.
    await g.admin.users.setDisabled({ email: 'off-admin@example.test', disabled: false });
    expect(
      await g.admin.users.setRole({ email: 'only-admin@example.test', role: 'operator' }),
    ).toMatchObject({ changed: true });
    await expect(
      g.admin.users.setRole({ email: 'off-admin@example.test', role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('survives two admins demoting each other at the same moment: one of them stays', async () => {
    await createUser(g.auth, { email: 'a-admin@example.test', password: PASSWORD, role: 'admin' });
    await createUser(g.auth, { email: 'b-admin@example.test', password: PASSWORD, role: 'admin' });
    // off-admin is the third; take it out first so exactly two remain.
    await g.admin.users.setRole({ email: 'off-admin@example.test', role: 'viewer' });
    const outcomes = await Promise.all(
      ['a-admin@example.test', 'b-admin@example.test'].map((email) =>
        codeOf(g.admin.users.setRole({ email, role: 'viewer' })),
      ),
    );
    expect(outcomes.sort()).toEqual(['BAD_REQUEST', 'OK']);
    const admins = (await g.admin.users.list()).filter((u) => u.role === 'admin');
    expect(admins).toHaveLength(1);
  });
});
