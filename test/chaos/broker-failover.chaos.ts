// Chaos: broker failover. A private stack with three Kafka brokers (replication factor 3,
// min.insync.replicas 2), its own SLUICE_HOME and ports, so the shared dev and CI stacks are never
// touched. Two workers per role run against it while the traffic flows; the broker that leads
// the most of the run's partitions is SIGKILLed, restarted 20 s later with `sluice stack up`
// (which starts only the missing node), then the active KRaft controller the same way. Afterwards
// the same checks as the worker-crash scenario: every store holds exactly what the events say.
// Each kill's time to recover (leaders, produce, every group committing again) is printed.
//
// Not in the default run: it starts and stops a whole stack of its own. Run it with
//   CHAOS_FAILOVER=1 pnpm test:chaos broker-failover
// Short by default (20,000 events over 90 s); CHAOS_LONG=1 runs 200,000 events over 150 s with
// 12 partitions; CHAOS_EVENTS, CHAOS_TRAFFIC_S, CHAOS_SEED override; CHAOS_FAILOVER_PORTS moves
// the stack's ports (default 2xxxx: Kafka 29092/29094/29096, PostgreSQL 25432, Redis 26379,
// search 29200, S3 endpoint 24566). Keep them below the kernel's ephemeral range (32768-60999
// here): while a broker is down, a client reconnecting to 127.0.0.1:<its port> from that same
// ephemeral port connects to itself, and the port is taken when the broker restarts (seen with
// 39092).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runSluice } from '../support/sluice-cli.ts';
import { brokerFailover } from './broker-failover.ts';
import type { ChaosRun } from './chaos-run.ts';

const enabled = process.env.CHAOS_FAILOVER === '1';
const long = process.env.CHAOS_LONG === '1';
const EVENTS = Number(process.env.CHAOS_EVENTS ?? (long ? 200_000 : 20_000));
const TRAFFIC_S = Number(process.env.CHAOS_TRAFFIC_S ?? (long ? 150 : 90));
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
const PARTITIONS = long ? 12 : 6;
const DOWN_MS = 20_000;

// The stack's ports: `2` for 2xxxx. Kafka node i listens on base+2(i-1) (kafka.service.ts).
const P = process.env.CHAOS_FAILOVER_PORTS ?? '2';
const nodes = [1, 2, 3].map((id) => ({ id, port: Number(`${P}9092`) + 2 * (id - 1) }));
const home = enabled ? mkdtempSync(join(tmpdir(), 'sluice-failover-')) : '';
const stackEnv: Record<string, string> = {
  SLUICE_HOME: home,
  KAFKA_BROKERS: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
  DATABASE_URL: `postgres://sluice@127.0.0.1:${P}5432/sluice`,
  REDIS_URL: `redis://127.0.0.1:${P}6379`,
  SEARCH_URL: `http://127.0.0.1:${P}9200`,
  AWS_ENDPOINT_URL: `http://127.0.0.1:${P}4566`,
};
const savedEnv = Object.fromEntries(Object.keys(stackEnv).map((k) => [k, process.env[k]]));

const bounds = {
  sizesMs: { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 },
  maxOutOfOrderMs: 10_000,
  allowedLatenessMs: 600_000,
  sessionGapMs: 30 * 60_000,
};

const stack = async (...args: string[]) => {
  const r = await runSluice(['stack', ...args], process.env);
  if (r.code !== 0) throw new Error(`sluice stack ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return `${r.stderr}${r.stdout}`;
};

// The suite's modules, loaded after the environment points at the private stack (see beforeAll).
let mods:
  | {
      runPipelineScenario: typeof import('./pipeline-scenario.ts').runPipelineScenario;
      isExact: typeof import('./figures.ts').isExact;
      closeKafkaReader: () => Promise<void>;
    }
  | undefined;
let run: ChaosRun | undefined;
let stackStarted = false;

describe.skipIf(!enabled)('chaos: broker failover', () => {
  beforeAll(async () => {
    // PostgreSQL runs as the postgres user when we are root: it must reach its data directory.
    chmodSync(home, 0o755);
    Object.assign(process.env, stackEnv);
    stackStarted = true;
    await stack('up', '--brokers', '3');
    // The setup file loaded ../env.ts and the shared Kafka reader with the shared stack's
    // addresses; load the suite's modules afresh so they (and every worker) use this stack.
    vi.resetModules();
    const { createChaosRun } = await import('./chaos-run.ts');
    const reader = await import('../support/kafka-reader.ts');
    mods = {
      runPipelineScenario: (await import('./pipeline-scenario.ts')).runPipelineScenario,
      isExact: (await import('./figures.ts')).isExact,
      closeKafkaReader: reader.closeKafkaReader,
    };
    run = createChaosRun('failover', {
      TOPIC_PARTITIONS: String(PARTITIONS),
      // `sluice topics create` defaults to replication 1 whatever the cluster (only `stack up`
      // uses the broker count): without this a killed broker takes its partitions with it.
      TOPIC_REPLICATION_FACTOR: '3',
      ENRICH_MAX_BATCH: '200',
      AGG_MAX_BATCH: '200',
      AGG_WINDOWS: '1m,5m,1h',
      AGG_MAX_OUT_OF_ORDER: '10s',
      AGG_ALLOWED_LATENESS: '10m',
      AGG_LATE_POLICY: 'drop',
      // Longer than a partition may stall while its leader moves, so no window closes early.
      AGG_IDLE_TIMEOUT: '30s',
      AGG_SESSION_GAP: '30m',
      AGG_RETENTION: '1h',
      STORAGE_MAX_BATCH: '1000',
      STORAGE_FLUSH_MS: '300',
      STORAGE_ARCHIVE_FLUSH_MS: '1500',
      STORAGE_COMMIT_INTERVAL_MS: '300',
    });
    await run.setUp();
    const admin = createKafka({
      brokers: stackEnv.KAFKA_BROKERS?.split(',') ?? [],
      clientId: 'sluice-chaos-failover-setup',
      logLevel: 'nothing',
    }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: `${run.prefix}failover-probe`, numPartitions: 3, replicationFactor: 3 }],
    });
    await admin.disconnect();
  }, 300_000);

  afterAll(async () => {
    // Each step whatever the others did: the private stack must never outlive the suite.
    const failures: string[] = [];
    const step = (what: string, f: () => Promise<unknown>) =>
      f().catch((err: Error) => failures.push(`${what}: ${err.message}`));
    if (run) await step('clean-up', () => (run as ChaosRun).cleanUp());
    if (mods)
      await step('kafka reader', () => (mods as NonNullable<typeof mods>).closeKafkaReader());
    if (stackStarted) await step('stack down', () => stack('down'));
    for (const [k, v] of Object.entries(savedEnv))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    if (stackStarted && failures.length === 0) rmSync(home, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`after the failover suite: ${failures.join('; ')}`);
  }, 180_000);

  it(
    `loses and duplicates nothing in any store while brokers are SIGKILLed (${EVENTS} events)`,
    async () => {
      if (!mods || !run) throw new Error('set-up did not finish');
      const report = await mods.runPipelineScenario({
        name: `broker failover, ${EVENTS} events`,
        run,
        events: EVENTS,
        seed: SEED,
        trafficMs: TRAFFIC_S * 1000,
        perRole: { enrichment: 2, aggregation: 2, storage: 2, 'lag-monitor': 1 },
        bounds,
        disruption: brokerFailover({
          nodes,
          pidFile: (id) => join(home, 'run', `kafka-${id}.pid`),
          propertiesFile: (id) => join(home, 'data', `kafka-${id}`, 'server.properties'),
          logFile: (id) => join(home, 'logs', `kafka-${id}.log`),
          restart: () => stack('up', '--brokers', '3'),
          probeTopic: `${run.prefix}failover-probe`,
          firstKillMs: 8_000,
          downMs: DOWN_MS,
          killController: true,
        }),
      });

      const kills = report.disruption.recoveries;
      expect(report.disruption.figures['replication factor / min ISR']).toBe('3 / 2');
      // The controller kill follows only while traffic still flows (a slow machine may not get to it).
      expect(kills.length).toBeGreaterThanOrEqual(1);
      expect(kills.filter((k) => k.recoveredMs === null)).toEqual([]);
      for (const s of report.stores)
        expect({ ...s, exact: mods.isExact(s) }).toMatchObject({ exact: true });
      expect(report.mismatches.slice(0, 20)).toEqual([]);
      expect(report.lastEmittedS).not.toBeNull();
      // A worker that exits while a broker is down is restarted by the disruption, as an
      // orchestrator would, and every store must still be exact; CHAOS_FAILOVER_STRICT=1 also
      // fails on any such exit (workers are meant to ride a failover out in-process).
      if (process.env.CHAOS_FAILOVER_STRICT === '1')
        expect(
          report.unexpectedExits.map((e) => `${e.id} exited ${e.code}:\n${e.logTail}`),
        ).toEqual([]);
      expect(report.stopCodes.filter((c) => c.code !== 0)).toEqual([]);
    },
    long ? 1_800_000 : 600_000,
  );
});
