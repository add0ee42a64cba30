// The signed-in user for a request, from Better Auth's session cookie (validated against the
// database on every request, so a revoked or expired session stops working at once; a disabled
// user's session is none).
import 'server-only';
import { activeSession } from '@sluice/auth';
import { getAuth } from './services.ts';
import type { SessionUser } from './trpc.ts';

export async function getSessionUser(headers: Headers): Promise<SessionUser | null> {
  const session = await activeSession(getAuth(), headers);
  if (!session) return null;
  const { id, email, name, role } = session.user;
  return { id, email, name, role: typeof role === 'string' ? role : '' };
}
