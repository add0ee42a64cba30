// Sign-ins, failed sign-ins and sign-outs in the audit log, through Better Auth's own hooks, and
// the refusal of a disabled user. Nothing here changes what the client sees: a failed sign-in
// answers exactly as before (the reason is looked up after the answer is decided, for the audit
// row only), and a disabled user with the right password gets the same 401 as a wrong password,
// so neither the audit nor the disabled state makes accounts easier to enumerate. Passwords
// never reach a row; the email tried is clipped.
import type { Database } from '@sluice/db';
import { auditLog, authUser } from '@sluice/db';
import type { BetterAuthOptions } from 'better-auth';
import { APIError, createAuthMiddleware, isAPIError } from 'better-auth/api';
import { eq } from 'drizzle-orm';
import { CLIENT_IP_HEADER, normalizeIp } from './client-ip.ts';
import { normalizeEmail } from './users.ts';

export const SIGN_IN = 'auth.sign-in';
export const SIGN_IN_FAILED = 'auth.sign-in.failed';
export const SIGN_OUT = 'auth.sign-out';

export type SignInFailure =
  | 'unknown-user'
  | 'wrong-password'
  | 'disabled'
  | 'rate-limited'
  | 'invalid-email'
  | 'other';

/** Where every client whose address cannot be told is counted (one shared rate-limit bucket). */
export const UNKNOWN_CLIENT_IP = '0.0.0.0';

const MAX_EMAIL = 320;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The client address the auth handler determined (see client-ip.ts), or null. */
export function sourceIpOf(headers: Headers | undefined | null): string | null {
  const ip = normalizeIp(headers?.get(CLIENT_IP_HEADER));
  return ip === UNKNOWN_CLIENT_IP ? null : ip;
}

export async function writeAuthAudit(
  db: Database,
  row: {
    actor: string;
    action: string;
    target: string | null;
    sourceIp: string | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  try {
    await db.insert(auditLog).values({ affected: 1, ...row });
  } catch (err) {
    // The sign-in's answer stands either way; a lost audit row is a fault to see in the log.
    console.error(`audit of ${row.action} failed:`, err);
  }
}

/** Why a sign-in with `email` failed, as far as the database says: for the audit row only. */
async function failureOf(db: Database, email: string, code: unknown): Promise<SignInFailure> {
  if (code === 'INVALID_EMAIL') return 'invalid-email';
  if (code !== 'INVALID_EMAIL_OR_PASSWORD') return 'other';
  const [user] = await db
    .select({ disabledAt: authUser.disabledAt })
    .from(authUser)
    .where(eq(authUser.email, normalizeEmail(email)));
  if (!user) return 'unknown-user';
  return user.disabledAt ? 'disabled' : 'wrong-password';
}

export function signInAuditOptions(
  db: Database,
): Pick<BetterAuthOptions, 'hooks' | 'databaseHooks'> {
  return {
    databaseHooks: {
      session: {
        create: {
          async before(session) {
            const [user] = await db
              .select({ disabledAt: authUser.disabledAt })
              .from(authUser)
              .where(eq(authUser.id, session.userId));
            // The very answer a wrong password gets, so the right password reveals nothing.
            if (!user || user.disabledAt) {
              throw APIError.from('UNAUTHORIZED', {
                code: 'INVALID_EMAIL_OR_PASSWORD',
                message: 'Invalid email or password',
              });
            }
          },
        },
      },
    },
    hooks: {
      // Before the endpoint: once it has run, the session it ends is gone.
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-out') return;
        const token = await ctx.getSignedCookie(
          ctx.context.authCookies.sessionToken.name,
          ctx.context.secret,
        );
        if (!token) return;
        const found = await ctx.context.internalAdapter.findSession(token);
        if (!found) return;
        await writeAuthAudit(db, {
          actor: found.user.email,
          action: SIGN_OUT,
          target: found.user.email,
          sourceIp: sourceIpOf(ctx.headers ?? ctx.request?.headers),
        });
      }),
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/email') return;
        const sourceIp = sourceIpOf(ctx.headers ?? ctx.request?.headers);
        const returned = ctx.context.returned;
        const signedIn = ctx.context.newSession?.user;
        if (signedIn && !isAPIError(returned)) {
          await writeAuthAudit(db, {
            actor: signedIn.email,
            action: SIGN_IN,
            target: signedIn.email,
            sourceIp,
          });
          return;
        }
        const tried = typeof ctx.body?.email === 'string' ? ctx.body.email : '';
        const code = isAPIError(returned) ? (returned.body as { code?: unknown })?.code : null;
        await writeAuthAudit(db, {
          actor: 'anonymous',
          action: SIGN_IN_FAILED,
          target: clip(tried.trim(), MAX_EMAIL),
          sourceIp,
          details: { reason: await failureOf(db, tried, code) },
        });
      }),
    },
  };
}
