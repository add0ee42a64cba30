// Chaos: sink outages. While the traffic flows, the storage sinks' services go away one after
// another, each brought back and the storage lag recovered before the next:
// - PostgreSQL is stopped (SIGINT, its fast shutdown: connections are cut, new ones refused) and
//   started again with `sluice stack up`: its data is on disk, so a stop loses nothing.
// - The search engine is frozen (SIGSTOP … SIGCONT): a JVM that restarts takes most of a minute on
//   a loaded machine, and a frozen server is the harder case anyway (requests hang until the
//   client's timeout rather than fail at once).
// - Redis is stopped (SIGTERM: it saves its dataset on the way out and loads it on start), so the
//   writers meet refused connections; its counters and fences must survive, as in production.
// - The S3 endpoint (moto) is frozen: it holds every bucket and object in memory only, so a stop
//   would lose the archive itself.
// Then the same checks as the other scenarios: every store exactly as the events say (PostgreSQL
// by event_id, the search index, the archive once per event, the Redis counters, windows and
// sessions, the DLQ exactly the poison records; the last windows and sessions emitted after the
// traffic stops). Per outage it also asserts and prints: the outage was met by a failed write
// (else it proved nothing), the other sinks' stored counts grew while it lasted, the storage lag
// came back to its level before the outage (and how long that took), and the storage workers'
// memory stayed bounded (see MEMORY below).
//
// It acts on the stack the environment points at (SLUICE_HOME, the endpoints' ports), found by
// the stack's own process records (stack-services.ts), and skips saying why when there is none.
// It stops services other people may be using, so it runs only where that stack is meant for it:
// SLUICE_HOME set explicitly (a private stack), CI=true (the CI machine's own stack), or
// CHAOS_SINK_OUTAGES=1.
//
// Short by default (20,000 events over 115 s, outages of 15 s: longer than every sink's request
// timeout, 10 s at most, so writes really fail); CHAOS_LONG=1 runs 200,000 events over 260 s with
// outages of 30 s and 12 partitions; CHAOS_EVENTS, CHAOS_TRAFFIC_S, CHAOS_OUTAGE_S, CHAOS_SEED
// override.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackHome } from '../support/sluice-cli.ts';
import { type ChaosRun, createChaosRun } from './chaos-run.ts';
import { isExact } from './figures.ts';
import { runPipelineScenario } from './pipeline-scenario.ts';
import { sinkOutages } from './sink-outages.ts';
import { findStack, restoreAll } from './stack-services.ts';

const long = process.env.CHAOS_LONG === '1';
const EVENTS = Number(process.env.CHAOS_EVENTS ?? (long ? 200_000 : 20_000));
const TRAFFIC_S = Number(process.env.CHAOS_TRAFFIC_S ?? (long ? 260 : 115));
const OUTAGE_S = Number(process.env.CHAOS_OUTAGE_S ?? (long ? 30 : 15));
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
const PARTITIONS = long ? 12 : 6;

// MEMORY. A sink that is down holds what it was handed until the store returns. From
// STORAGE_MAX_PENDING records on, the storage stage pauses the partitions the sink holds back
// (pause-reconciler.ts) after every consumer batch (up to 5,000 records, storage.consumer.ts). The
// batch that crosses the bound is one; a partition the sink did not hold back at that moment (all
// it brought was written already) is paused only once it brings some more, in a later batch.
// Under steady traffic every partition has records, so those come in the next batch: the long
// run held 10,000 in the frozen archive (with STORAGE_MAX_PENDING 500 then). So the bound is
// STORAGE_MAX_PENDING and two batches (a partition with nothing to fetch for a while could come
// later still; none did here). It is small here, so that every outage but the search
// engine's (errors only) goes past it and the pause is exercised; and above what a sink buffers
// between two writes at the run's rate (the archive's 1.5 s), so nothing is paused while every
// sink is up.
const MAX_PENDING = long ? 2_000 : 500;
const CONSUMER_BATCH = 5_000;
const PENDING_BOUND = MAX_PENDING + 2 * CONSUMER_BATCH;
// The resident set may grow by those records (an enriched event is under 1 KB as bytes; 4 KiB
// allows for its parsed copy) plus the heap's own slack, over what it was before the outage.
const RECORD_BYTES = 4 * 1024;
const HEAP_SLACK = 96 * 1024 * 1024;
const rssBound = (before: number) => before + PENDING_BOUND * RECORD_BYTES + HEAP_SLACK;

const bounds = {
  sizesMs: { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 },
  maxOutOfOrderMs: 10_000,
  allowedLatenessMs: 600_000,
  sessionGapMs: 30 * 60_000,
};

const found = findStack();
const allowed =
  process.env.SLUICE_HOME !== undefined ||
  process.env.CI === 'true' ||
  process.env.CHAOS_SINK_OUTAGES === '1';
const skip =
  'missing' in found
    ? `no stack started by \`sluice stack\` found for this environment: ${found.missing}`
    : allowed
      ? undefined
      : `the stack at ${stackHome()} may be shared: set SLUICE_HOME to a private stack, CI=true or CHAOS_SINK_OUTAGES=1 to let this suite stop its services`;
if (skip) console.log(`chaos: sink outages skipped: ${skip}`);

const runEnv = {
  TOPIC_PARTITIONS: String(PARTITIONS),
  ENRICH_MAX_BATCH: '200',
  AGG_MAX_BATCH: '200',
  AGG_WINDOWS: '1m,5m,1h',
  AGG_MAX_OUT_OF_ORDER: '10s',
  AGG_ALLOWED_LATENESS: '10m',
  AGG_LATE_POLICY: 'drop',
  AGG_IDLE_TIMEOUT: '30s',
  AGG_SESSION_GAP: '30m',
  AGG_RETENTION: '1h',
  STORAGE_MAX_BATCH: '1000',
  STORAGE_FLUSH_MS: '300',
  STORAGE_ARCHIVE_FLUSH_MS: '1500',
  STORAGE_COMMIT_INTERVAL_MS: '300',
  STORAGE_MAX_PENDING: String(MAX_PENDING),
};
// Made in beforeAll: a skipped suite opens no clients.
let run: ChaosRun | undefined;

describe.skipIf(skip !== undefined)(
  `chaos: sink outages${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    beforeAll(async () => {
      // The run's own clients see the outages too: an idle connection cut by a stop must not
      // end the test process (an unhandled 'error' event would).
      run = createChaosRun('outage', runEnv);
      run.db.on('error', () => {});
      run.redis.on('error', () => {});
      await run.setUp();
    }, 180_000);
    afterAll(async () => {
      await restoreAll();
      await run?.cleanUp();
    }, 180_000);

    it(
      `loses and duplicates nothing while PostgreSQL, the search engine, Redis and S3 are away ${OUTAGE_S} s each (${EVENTS} events)`,
      async () => {
        if ('missing' in found || !run) throw new Error('set-up did not finish');
        const disruption = sinkOutages({
          stack: found.stack,
          outages: [
            { service: 'postgres', sink: 'timescaledb', how: { stop: 'SIGINT' } },
            { service: 'search', sink: 'elasticsearch', how: 'freeze' },
            { service: 'redis', sink: 'redis', how: { stop: 'SIGTERM' } },
            { service: 'moto', sink: 's3', how: 'freeze' },
          ],
          firstAtMs: 10_000,
          outageMs: OUTAGE_S * 1000,
          gapMs: 3_000,
          recoveryTimeoutMs: 90_000,
        });
        const report = await runPipelineScenario({
          name: `sink outages, ${EVENTS} events`,
          run,
          events: EVENTS,
          seed: SEED,
          trafficMs: TRAFFIC_S * 1000,
          perRole: { enrichment: 2, aggregation: 2, storage: 2, 'lag-monitor': 1 },
          bounds,
          disruption,
        });
        const outages = disruption.results;
        console.log(
          `memory bounds: pending ≤ ${PENDING_BOUND} records per sink and worker (STORAGE_MAX_PENDING ${MAX_PENDING} + two consumer batches of ${CONSUMER_BATCH}); RSS ≤ before + ${(PENDING_BOUND * RECORD_BYTES) / 2 ** 20} MiB + ${HEAP_SLACK / 2 ** 20} MiB`,
        );

        // Every violation in one list, so one run reports all of them.
        const problems: string[] = [];
        const check = (ok: boolean, what: string) => {
          if (!ok) problems.push(what);
        };
        check(outages.length === 4, `${outages.length} of 4 outages happened`);
        for (const r of outages) {
          const label = `${r.outage.service} outage`;
          check(r.duringTraffic, `${label}: traffic had stopped before it ended`);
          check(r.awayMs >= OUTAGE_S * 1000, `${label}: away only ${r.awayMs} ms`);
          // Else the outage tested nothing: no write met it.
          check(r.failedWrites > 0, `${label}: no failed write of ${r.outage.sink} in the logs`);
          for (const o of r.others)
            check(
              (o.after ?? 0) > (o.before ?? 0),
              `${label}: ${o.sink} did not grow (${o.before} → ${o.after})`,
            );
          check(r.recoveredMs !== null, `${label}: the storage lag did not recover`);
          check(
            r.pendingPeak <= PENDING_BOUND,
            `${label}: ${r.outage.sink} held ${r.pendingPeak} records (bound ${PENDING_BOUND})`,
          );
          for (const w of r.rss)
            check(
              w.peak <= rssBound(w.before),
              `${label}: ${w.id} peak RSS ${w.peak} over its bound ${rssBound(w.before)}`,
            );
        }
        for (const st of report.stores)
          check(isExact(st), `${st.store} not exact: ${JSON.stringify(st)}`);
        problems.push(...report.mismatches.slice(0, 20));
        check(report.lastEmittedS !== null, 'the last windows and sessions were not emitted');
        for (const e of report.unexpectedExits)
          problems.push(`${e.id} exited by itself (${e.code}):\n${e.logTail}`);
        for (const c of report.stopCodes.filter((c) => c.code !== 0))
          problems.push(`${c.id} exited ${c.code} on SIGTERM`);
        expect(problems).toEqual([]);
      },
      long ? 1_800_000 : 600_000,
    );
  },
);
