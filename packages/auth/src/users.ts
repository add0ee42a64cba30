// Creating console users from the server side (the CLI, test seeds). Sign-up over HTTP is
// disabled, so this is the only way in; it hashes with the auth instance's own hasher.
import { type Auth, MIN_PASSWORD_LENGTH } from './auth.ts';
import type { Role } from './roles.ts';

export interface NewUser {
  email: string;
  password: string;
  role: Role;
  name?: string;
}

export class UserInputError extends Error {
  override name = 'UserInputError';
}

/** Emails are stored trimmed and in lower case; sign-in compares them that way too. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The password rules of the auth instance (and never fewer than MIN_PASSWORD_LENGTH). */
export function checkPassword(
  config: { minPasswordLength: number; maxPasswordLength: number },
  password: string,
): void {
  const min = Math.max(config.minPasswordLength, MIN_PASSWORD_LENGTH);
  if (password.length < min) {
    throw new UserInputError(`password must be at least ${min} characters`);
  }
  if (password.length > config.maxPasswordLength) {
    throw new UserInputError(`password must be at most ${config.maxPasswordLength} characters`);
  }
}

export async function createUser(
  auth: Auth,
  input: NewUser,
): Promise<{ id: string; email: string; role: Role }> {
  const ctx = await auth.$context;
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UserInputError(`invalid email: ${input.email}`);
  checkPassword(ctx.password.config, input.password);
  if (await ctx.internalAdapter.findUserByEmail(email)) {
    throw new UserInputError(`a user with email ${email} already exists`);
  }
  const hash = await ctx.password.hash(input.password);
  const user = await ctx.internalAdapter.createUser({
    email,
    name: input.name ?? email.split('@')[0] ?? email,
    emailVerified: true,
    role: input.role,
  });
  // The same account shape Better Auth's own sign-up writes for email + password.
  await ctx.internalAdapter.linkAccount({
    userId: user.id,
    providerId: 'credential',
    accountId: user.id,
    password: hash,
  });
  return { id: user.id, email, role: input.role };
}
