// For the security suites: console users that exist only to be changed, one per accepted call of
// users.setRole / setDisabled / resetPassword, so that every accepted call changes something
// (and never the suite's own signed-in users). Written straight into the tables: a viewer with
// a password sign-in each, in two statements instead of one scrypt hash per user.
import type { Database } from '@sluice/db';
import { authAccount, authUser } from '@sluice/db';

export async function seedUserTargets(db: Database, count: number, domain = 'target.test') {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  await db.insert(authUser).values(
    ids.map((i) => ({
      id: `target-${i}`,
      name: `target ${i}`,
      email: `target-${i}@${domain}`,
      emailVerified: true,
      role: 'viewer',
    })),
  );
  await db.insert(authAccount).values(
    ids.map((i) => ({
      id: `target-account-${i}`,
      accountId: `target-${i}`,
      providerId: 'credential',
      userId: `target-${i}`,
      password: 'not-a-hash-nobody-signs-in-as-this-user',
    })),
  );
  let next = 0;
  /** The email of a target no call has used yet. */
  return () => {
    if (next >= count) throw new Error(`all ${count} user targets are used: seed more`);
    return `target-${++next}@${domain}`;
  };
}
