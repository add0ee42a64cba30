import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, startHealthServer } from './health-server.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health server', () => {
  it('serves metrics of its registry, liveness, and readiness as the process reports it', async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', service: 'test' });
    const counter = new Counter({
      name: 'sluice_test_events_total',
      help: 'x',
      registers: [server.registry],
    });
    counter.inc(3);
    const base = `http://127.0.0.1:${server.port()}`;

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('sluice_test_events_total{service="test"} 3');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    server.setReady(true);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
