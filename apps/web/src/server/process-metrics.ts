// The console's own Prometheus registry: process metrics (CPU, memory, event-loop lag, GC),
// like every other long-running Sluice process.
import 'server-only';
import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

export function metricsRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    registry.setDefaultLabels({ service: 'console' });
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
