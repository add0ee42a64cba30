// What an admin may do to an existing console user, for the console's Users page and
// `sluice users` alike: change the role, disable and enable, set a new password. Each change
// runs in one transaction with its audit row (before and after) and, where it must, the
// revocation of the user's sessions, so a disabled user or a reset password is locked out the
// moment the call returns. None of them may leave the console without an enabled admin: the
// enabled admins are locked first, so two admins demoting each other at once cannot both win.
import type { Database } from '@sluice/db';
import { auditLog, authAccount, authSession, authUser } from '@sluice/db';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Auth } from './auth.ts';
import type { Role } from './roles.ts';
import {
  checkPassword,
  createUser,
  type NewUser,
  normalizeEmail,
  UserInputError,
} from './users.ts';

/** Who asks, for the audit row. */
export interface AdminActor {
  actor: string;
  sourceIp: string | null;
}

export class UnknownUserError extends UserInputError {
  override name = 'UnknownUserError';
}

/** Refused because no enabled admin would be left; the message says so plainly. */
export class LastAdminError extends UserInputError {
  override name = 'LastAdminError';
}

export interface UserState {
  role: string;
  disabled: boolean;
}

export interface UserChange {
  email: string;
  before: UserState;
  after: UserState;
  /** False when the user was already in the state asked for: nothing was written. */
  changed: boolean;
  sessionsRevoked: number;
}

/** Creates a user (createUser's rules) and records who did it. */
export async function addUser(auth: Auth, db: Database, input: NewUser, by: AdminActor) {
  const user = await createUser(auth, input);
  await db.insert(auditLog).values({
    actor: by.actor,
    action: 'user.create',
    target: user.email,
    affected: 1,
    sourceIp: by.sourceIp,
    details: { role: user.role },
  });
  return user;
}

/** Every user, by email: for the Users page and `sluice users list`. */
export async function listUsers(db: Database) {
  return db
    .select({
      id: authUser.id,
      email: authUser.email,
      name: authUser.name,
      role: authUser.role,
      disabledAt: authUser.disabledAt,
      createdAt: authUser.createdAt,
    })
    .from(authUser)
    .orderBy(asc(authUser.email));
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

interface Locked {
  id: string;
  email: string;
  role: string;
  disabledAt: Date | null;
}

/** Locks the enabled admins and the target (in that order), inside `tx`. */
async function lockTarget(tx: Tx, email: string): Promise<{ user: Locked; admins: string[] }> {
  const admins = await tx
    .select({ id: authUser.id })
    .from(authUser)
    .where(and(eq(authUser.role, 'admin'), isNull(authUser.disabledAt)))
    .orderBy(authUser.id)
    .for('update');
  const [user] = await tx
    .select({
      id: authUser.id,
      email: authUser.email,
      role: authUser.role,
      disabledAt: authUser.disabledAt,
    })
    .from(authUser)
    .where(eq(authUser.email, normalizeEmail(email)))
    .for('update');
  if (!user) throw new UnknownUserError(`no user with email ${normalizeEmail(email)}`);
  return { user, admins: admins.map((a) => a.id) };
}

function refuseLastAdmin(user: Locked, admins: string[], what: string): void {
  if (admins.length === 1 && admins[0] === user.id) {
    throw new LastAdminError(
      `${user.email} is the last enabled admin: ${what} would leave nobody able to manage ` +
        'users. Make another user an admin first.',
    );
  }
}

const stateOf = (u: Pick<Locked, 'role' | 'disabledAt'>): UserState => ({
  role: u.role,
  disabled: u.disabledAt !== null,
});

async function revokeSessions(tx: Tx, userId: string): Promise<number> {
  const gone = await tx
    .delete(authSession)
    .where(eq(authSession.userId, userId))
    .returning({ id: authSession.id });
  return gone.length;
}

export async function setUserRole(
  db: Database,
  input: { email: string; role: Role },
  by: AdminActor,
): Promise<UserChange> {
  return db.transaction(async (tx) => {
    const { user, admins } = await lockTarget(tx, input.email);
    const before = stateOf(user);
    const after = { ...before, role: input.role };
    if (before.role === after.role) {
      return { email: user.email, before, after, changed: false, sessionsRevoked: 0 };
    }
    if (input.role !== 'admin') refuseLastAdmin(user, admins, `making them ${input.role}`);
    await tx
      .update(authUser)
      .set({ role: input.role, updatedAt: new Date() })
      .where(eq(authUser.id, user.id));
    await tx.insert(auditLog).values({
      actor: by.actor,
      action: 'user.role',
      target: user.email,
      affected: 1,
      sourceIp: by.sourceIp,
      details: { before, after },
    });
    return { email: user.email, before, after, changed: true, sessionsRevoked: 0 };
  });
}

export async function setUserDisabled(
  db: Database,
  input: { email: string; disabled: boolean },
  by: AdminActor,
): Promise<UserChange> {
  return db.transaction(async (tx) => {
    const { user, admins } = await lockTarget(tx, input.email);
    const before = stateOf(user);
    const after = { ...before, disabled: input.disabled };
    if (before.disabled === after.disabled) {
      return { email: user.email, before, after, changed: false, sessionsRevoked: 0 };
    }
    if (input.disabled) refuseLastAdmin(user, admins, 'disabling them');
    const now = new Date();
    await tx
      .update(authUser)
      .set({ disabledAt: input.disabled ? now : null, updatedAt: now })
      .where(eq(authUser.id, user.id));
    // Sessions are checked in the database on every request: deleting them ends them now.
    const sessionsRevoked = input.disabled ? await revokeSessions(tx, user.id) : 0;
    await tx.insert(auditLog).values({
      actor: by.actor,
      action: input.disabled ? 'user.disable' : 'user.enable',
      target: user.email,
      affected: 1,
      sourceIp: by.sourceIp,
      details: { before, after, sessionsRevoked },
    });
    return { email: user.email, before, after, changed: true, sessionsRevoked };
  });
}

/** Sets a new password (the password rules of sign-up apply) and signs the user out everywhere. */
export async function resetUserPassword(
  auth: Auth,
  db: Database,
  input: { email: string; password: string },
  by: AdminActor,
): Promise<UserChange> {
  const ctx = await auth.$context;
  checkPassword(ctx.password.config, input.password);
  // Hashed before the transaction: scrypt takes a while and the locks need not wait for it.
  const hash = await ctx.password.hash(input.password);
  return db.transaction(async (tx) => {
    const { user } = await lockTarget(tx, input.email);
    const now = new Date();
    const [account] = await tx
      .update(authAccount)
      .set({ password: hash, updatedAt: now })
      .where(and(eq(authAccount.userId, user.id), eq(authAccount.providerId, 'credential')))
      .returning({ id: authAccount.id });
    if (!account) throw new UserInputError(`${user.email} has no password sign-in to reset`);
    const sessionsRevoked = await revokeSessions(tx, user.id);
    const state = stateOf(user);
    await tx.insert(auditLog).values({
      actor: by.actor,
      action: 'user.password-reset',
      target: user.email,
      affected: 1,
      sourceIp: by.sourceIp,
      // Never the password or its hash: only that it changed, and what that ended.
      details: { before: state, after: state, passwordChanged: true, sessionsRevoked },
    });
    return { email: user.email, before: state, after: state, changed: true, sessionsRevoked };
  });
}
