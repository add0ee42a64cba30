// Lays out the console image's /app from a workspace where `next build` ran with
// `output: 'standalone'`: Next's standalone tree (server.js under apps/web, the node_modules its
// pages trace to, pnpm's layout with relative symlinks kept), plus what the standalone output
// leaves to the deployer: the static assets (.next/static, public/). The traced Kafka client
// (its whole build folder, 80 MB) is cut down to what it loads (kafka-client-files.mjs).
// Usage: node docker/stage-console.mjs <repo root> <out dir>
import { cpSync, existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { copyKafkaClient } from './kafka-client-files.mjs';

const [root, out] = process.argv.slice(2).map((p) => resolve(p));
if (!root || !out) throw new Error('usage: stage-console.mjs <repo root> <out dir>');
const web = join(root, 'apps/web');
const standalone = join(web, '.next/standalone');
if (!existsSync(join(standalone, 'apps/web/server.js'))) {
  throw new Error(
    `${standalone}/apps/web/server.js is missing: run next build with output: 'standalone'`,
  );
}
rmSync(out, { recursive: true, force: true });
cpSync(standalone, out, { recursive: true, verbatimSymlinks: true });
cpSync(join(web, '.next/static'), join(out, 'apps/web/.next/static'), { recursive: true });
if (existsSync(join(web, 'public')))
  cpSync(join(web, 'public'), join(out, 'apps/web/public'), { recursive: true });

const built = dirname(
  realpathSync(
    createRequire(join(web, 'noop.js')).resolve('@confluentinc/kafka-javascript/package.json'),
  ),
);
const store = join(out, 'node_modules/.pnpm');
const traced = readdirSync(store).filter((d) => d.startsWith('@confluentinc+kafka-javascript@'));
if (traced.length !== 1)
  throw new Error(`expected one traced Kafka client in ${store}, found ${traced.length}`);
copyKafkaClient(built, join(store, traced[0], 'node_modules/@confluentinc/kafka-javascript'));
console.log(`stage-console: ${out}`);
