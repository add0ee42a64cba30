// Lays out the worker image's /app from a workspace where `pnpm install` ran (with the patched,
// compiled Kafka client) and apps/worker/build.mjs made the bundle:
//   /app/package.json            the worker's, for the version the CLI reports
//   /app/dist/sluice.mjs (+map)  the bundled CLI
//   /app/drizzle/                @sluice/db's migrations (sluice migrate, the migration job)
//   /app/node_modules/...        the Kafka client and its run-time dependencies, nothing else
// The Kafka client is copied with what it loads at run time only (kafka-client-files.mjs).
// Usage: node docker/stage-worker.mjs <repo root> <out dir>
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { copyKafkaClient } from './kafka-client-files.mjs';

const [root, out] = process.argv.slice(2).map((p) => resolve(p));
if (!root || !out) throw new Error('usage: stage-worker.mjs <repo root> <out dir>');
const worker = join(root, 'apps/worker');
if (!existsSync(join(worker, 'dist/sluice.mjs'))) {
  throw new Error('apps/worker/dist/sluice.mjs is missing: run node apps/worker/build.mjs first');
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'node_modules'), { recursive: true });

cpSync(join(worker, 'package.json'), join(out, 'package.json'));
cpSync(join(worker, 'dist'), join(out, 'dist'), { recursive: true });
cpSync(join(root, 'packages/db/drizzle'), join(out, 'drizzle'), { recursive: true });

/** The folder of `name` as seen from `fromDir` (pnpm: a real folder in its virtual store). */
function packageDir(name, fromDir) {
  const req = createRequire(join(fromDir, 'noop.js'));
  return dirname(realpathSync(req.resolve(`${name}/package.json`)));
}

const kafkaDir = packageDir('@confluentinc/kafka-javascript', join(root, 'packages/kafka'));
copyKafkaClient(kafkaDir, join(out, 'node_modules/@confluentinc/kafka-javascript'));

// `bindings` finds the .node file; it needs file-uri-to-path. Both are plain JavaScript.
const bindingsDir = packageDir('bindings', kafkaDir);
cpSync(bindingsDir, join(out, 'node_modules/bindings'), { recursive: true, dereference: true });
const uriDir = packageDir('file-uri-to-path', bindingsDir);
cpSync(uriDir, join(out, 'node_modules/file-uri-to-path'), { recursive: true, dereference: true });
console.log(`stage-worker: ${out}`);
