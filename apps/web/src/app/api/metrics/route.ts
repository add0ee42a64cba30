// Prometheus scrape endpoint of the console process.
import { metricsRegistry } from '~/server/process-metrics.ts';

export const dynamic = 'force-dynamic';

export async function GET() {
  const registry = metricsRegistry();
  return new Response(await registry.metrics(), {
    headers: { 'content-type': registry.contentType },
  });
}
