// Better Auth's browser client: same-origin requests to /api/auth.
import { createAuthClient } from 'better-auth/react';

export const authClient = createAuthClient();
