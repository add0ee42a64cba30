// Readiness: the console can serve pages, i.e. its database answers (sessions live there).
import { sql } from 'drizzle-orm';
import { getDb } from '~/server/services.ts';

export const dynamic = 'force-dynamic';

export async function GET() {
  try {
    await getDb().execute(sql`select 1`);
    return Response.json({ ready: true });
  } catch (err) {
    return Response.json(
      { ready: false, reason: `database: ${(err as Error).message}` },
      { status: 503 },
    );
  }
}
