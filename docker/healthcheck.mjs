// The images' HEALTHCHECK: GET /healthz on this container's health port, exit 0 when it answers
// 200. Images have no curl; Node's fetch does it. The port: HEALTHCHECK_PORT if set, else the
// --metrics-port (worker) or PORT (console) the container was started with, else the role's
// default (the same defaults `sluice worker <role>` and the console listen on).
import { readFileSync } from 'node:fs';

// biome-ignore lint/style/noProcessEnv: a probe script in the image, configured like the process it probes
const { HEALTHCHECK_PORT, LAG_MONITOR_PORT, PORT } = process.env;
const defaults = { enrichment: 9101, aggregation: 9102, storage: 9103, 'dlq-indexer': 9104 };

function port() {
  if (HEALTHCHECK_PORT) return Number(HEALTHCHECK_PORT);
  // PID 1 is tini; its command line is the container's: tini -- node ... sluice.mjs worker ROLE ...
  const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  const flag = args.findIndex((a) => a === '--metrics-port' || a.startsWith('--metrics-port='));
  if (flag >= 0) return Number(args[flag].split('=')[1] ?? args[flag + 1]);
  const role = args[args.indexOf('worker') + 1];
  if (args.includes('worker') && role === 'lag-monitor') return Number(LAG_MONITOR_PORT ?? 9464);
  if (args.includes('worker') && role in defaults) return defaults[role];
  return Number(PORT ?? 3000);
}

const path = process.argv[2] ?? '/healthz';
try {
  const res = await fetch(`http://127.0.0.1:${port()}${path}`, {
    signal: AbortSignal.timeout(4000),
  });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
