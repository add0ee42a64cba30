// The Better Auth server for the console and the CLI: email + password users in PostgreSQL
// (scrypt hashes), sessions with a fixed lifetime, origin checks against trusted origins.
// Both the web app and `sluice users add` build it here, so password hashes always match.
// Sign-ins, failures and sign-outs are audited (sign-in-audit.ts); the client's address is the
// one the console's auth handler put in CLIENT_IP_HEADER, for the rate limiter and the audit.
import type { Database } from '@sluice/db';
import { authAccount, authSession, authUser, authVerification } from '@sluice/db';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { CLIENT_IP_HEADER } from './client-ip.ts';
import { signInAuditOptions } from './sign-in-audit.ts';

export interface AuthOptions {
  db: Database;
  secret: string;
  /** The console's public URL, e.g. http://127.0.0.1:3000. */
  baseURL: string;
  /** Origins allowed to send state-changing requests (sign-in, sign-out); baseURL is implied. */
  trustedOrigins: string[];
  sessionTtlSeconds: number;
  /** Per-IP rate limit on the auth endpoints; on in production, off in tests that sign in often. */
  rateLimit?: boolean;
}

export const MIN_PASSWORD_LENGTH = 12;

export function createAuth(options: AuthOptions) {
  return betterAuth({
    appName: 'Sluice',
    secret: options.secret,
    baseURL: options.baseURL,
    trustedOrigins: options.trustedOrigins,
    database: drizzleAdapter(options.db, {
      provider: 'pg',
      schema: {
        user: authUser,
        session: authSession,
        account: authAccount,
        verification: authVerification,
      },
    }),
    emailAndPassword: {
      enabled: true,
      // Accounts are created by an admin (`sluice users add`), never by visitors.
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
    },
    user: {
      additionalFields: {
        role: { type: 'string', required: false, defaultValue: 'viewer', input: false },
        // Set by an admin (user-admin.ts); a session of a disabled user is no session.
        disabledAt: { type: 'date', required: false, input: false },
      },
    },
    session: {
      expiresIn: options.sessionTtlSeconds,
      // An absolute lifetime: activity does not extend a session, so a stolen cookie is
      // useful for at most one TTL and operators sign in once per shift.
      disableSessionRefresh: true,
    },
    rateLimit: { enabled: options.rateLimit ?? true },
    ...signInAuditOptions(options.db),
    advanced: {
      // Origin and CSRF checks in every environment: Better Auth skips them by default when
      // NODE_ENV=test or TEST is set, so a test could not see them and a server started with
      // either would silently accept sign-ins and sign-outs posted by other sites.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      // Never X-Forwarded-For as a client sent it: the address createAuthHandler decided.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
export type AuthSession = NonNullable<Awaited<ReturnType<Auth['api']['getSession']>>>;

/**
 * The request's session, as Better Auth finds it in the database, unless its user is disabled.
 * Disabling deletes the user's sessions; this also refuses one that a sign-in created in the
 * same instant (it checked the user before the disable committed).
 */
export async function activeSession(auth: Auth, headers: Headers): Promise<AuthSession | null> {
  const session = await auth.api.getSession({ headers });
  return session && !session.user.disabledAt ? session : null;
}
