// Liveness: the server process answers. No session needed, no dependency checked.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ status: 'ok', service: 'console' });
}
