// The run's pipeline on Kafka, made with the project's own CLI as users run it
// (`node apps/worker/bin/sluice.mjs ...` from the repo root): every topic of the pipeline under
// the run's prefix (the control topic too), a synthetic GeoIP database, demo traffic into
// events.raw (keyed by session over its 12 partitions), the enrichment worker until its group has
// committed every partition (its dead letters, 0.5% of the traffic, land on the prefixed
// events.dlq), then SIGTERM and a little more traffic, which the stopped group has not consumed.
// The console under test reads the pipeline under the same prefix, so this group is its
// enrichment stage; the worker counts into the run's Redis prefix. The returned function deletes
// the topics, the group and the temporary files.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka } from '@sluice/kafka';
import { E2E_KAFKA, e2eEnv } from './env.ts';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** The CLI as users run it: `node apps/worker/bin/sluice.mjs ...` from the repo root. */
export const sluiceBin = join(repoRoot, 'apps/worker/bin/sluice.mjs');

type Say = (message: string) => void;

/** Runs one `sluice` command that must succeed; its output is in the error otherwise. */
export function sluiceOk(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sluiceBin, ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`sluice ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

/** SIGTERM, then SIGKILL if the worker has not stopped within the grace period. */
export async function stopWorker(child: ChildProcess, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function seedConsumerGroup(options: {
  prefix: string;
  /** REDIS_KEY_PREFIX of the run: the worker's stage counters go there. */
  redisPrefix: string;
  brokers: string[];
  say: Say;
}): Promise<{ group: string; topic: string; cleanup: () => Promise<void> }> {
  const { prefix, redisPrefix, brokers, say } = options;
  const topic = `${prefix}events.raw`;
  const group = `${prefix}enrichment-workers`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  const geoDb = join(dir, 'city.mmdb');
  const env = e2eEnv.cliEnv({
    KAFKA_BROKERS: brokers.join(','),
    SLUICE_TOPIC_PREFIX: prefix,
    REDIS_KEY_PREFIX: redisPrefix,
    TOPIC_PARTITIONS: String(E2E_KAFKA.partitions),
    GEOIP_CITY_DB: geoDb,
    SLUICE_LOG_LEVEL: 'warn',
  });
  const admin = createKafka({ brokers, clientId: 'sluice-e2e-setup', logLevel: 'nothing' }).admin();
  await admin.connect();

  const cleanup = async () => {
    try {
      await admin.deleteGroups([group]).catch(() => {});
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } finally {
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  let worker: ChildProcess | undefined;
  try {
    say(`Kafka: topics under ${prefix}, GeoIP test database, ${E2E_KAFKA.consumed} events`);
    await Promise.all([
      sluiceOk(['geoip', 'build-test-db', '--out', geoDb], env),
      sluiceOk(['topics', 'create'], env).then(() =>
        sluiceOk(['produce', '--count', String(E2E_KAFKA.consumed), '--seed', '1'], env),
      ),
    ]);

    say(`Kafka: enrichment worker until ${group} has committed every partition`);
    let log = '';
    const child = spawn(
      process.execPath,
      [sluiceBin, 'worker', 'enrichment', '--metrics-port', '0', '--worker-id', `${prefix}worker`],
      { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    worker = child;
    child.stderr?.on('data', (d) => {
      log += d;
    });
    const deadline = Date.now() + 45_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`the worker exited (${child.exitCode}):\n${log}`);
      const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))
        .flatMap((t) => t.partitions)
        .map((p) => Number(p.offset))
        .filter((o) => o >= 0);
      const total = committed.reduce((a, b) => a + b, 0);
      if (committed.length === E2E_KAFKA.partitions && total === E2E_KAFKA.consumed) break;
      if (Date.now() > deadline) {
        throw new Error(
          `${group} committed ${committed.length} partitions, ${total} records, in 45 s:\n${log}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const code = await stopWorker(child, 15_000);
    worker = undefined;
    if (code !== 0) throw new Error(`the worker stopped with ${code} on SIGTERM:\n${log}`);

    say(`Kafka: worker stopped; ${E2E_KAFKA.backlog} more events, left unconsumed as lag`);
    await sluiceOk(['produce', '--count', String(E2E_KAFKA.backlog), '--seed', '2'], env);
  } catch (err) {
    if (worker) await stopWorker(worker, 5_000);
    await cleanup();
    throw err;
  }
  return { group, topic, cleanup };
}
