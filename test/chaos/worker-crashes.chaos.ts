// Chaos: worker crashes. Two workers per role (enrichment, aggregation, storage, lag monitor) run
// as users run them (`sluice worker …`); while the traffic flows, every few seconds one of them,
// picked at random, is SIGKILLed and restarted under the same id. Afterwards every store must
// hold exactly what the events say, computed without the pipeline's code: PostgreSQL the
// pageviews and clicks, the search engine the errors and exceptions, the archive every event
// once, Redis the counts per minute, the windows and sessions their ground truth, the DLQ
// exactly the poison records. The last windows and sessions must be emitted after traffic stops,
// and every kill's partitions must move again within 20 s.
//
// Short by default (20,000 events, about 1% poison, 40 s of traffic); CHAOS_LONG=1 runs
// 200,000 events over 150 s with 12 partitions; CHAOS_EVENTS, CHAOS_TRAFFIC_S and CHAOS_SEED
// override.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChaosRun } from './chaos-run.ts';
import { isExact } from './figures.ts';
import { runPipelineScenario } from './pipeline-scenario.ts';
import { workerKills } from './worker-kills.ts';

const long = process.env.CHAOS_LONG === '1';
const EVENTS = Number(process.env.CHAOS_EVENTS ?? (long ? 200_000 : 20_000));
const TRAFFIC_S = Number(process.env.CHAOS_TRAFFIC_S ?? (long ? 150 : 40));
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
const PARTITIONS = long ? 12 : 6;
/** The goal for a killed worker's partitions to move again. */
const RECOVERY_GOAL_MS = 20_000;

const bounds = {
  sizesMs: { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 },
  // Above the generator's disorder (5 s): in the ground truth no event is late.
  maxOutOfOrderMs: 10_000,
  // Generous: an event that the stages' interleaving made late (see partition-keeping.chaos.ts)
  // is still counted, so counts stay comparable with the production-order truth; late-accepted
  // counts are compared with the truth over the aggregation's input as committed.
  allowedLatenessMs: 600_000,
  sessionGapMs: 30 * 60_000,
};

const run = createChaosRun('crash', {
  TOPIC_PARTITIONS: String(PARTITIONS),
  // Small batches: many transactions, so kills land between and inside them.
  ENRICH_MAX_BATCH: '200',
  AGG_MAX_BATCH: '200',
  AGG_WINDOWS: '1m,5m,1h',
  AGG_MAX_OUT_OF_ORDER: '10s',
  AGG_ALLOWED_LATENESS: '10m',
  AGG_LATE_POLICY: 'drop',
  // Longer than a partition may stall while its upstream worker is replaced (the goal is under
  // 20 s), so no window closes early mid-run; short enough that the last windows close soon
  // after traffic stops.
  AGG_IDLE_TIMEOUT: '30s',
  AGG_SESSION_GAP: '30m',
  AGG_RETENTION: '1h',
  STORAGE_MAX_BATCH: '1000',
  STORAGE_FLUSH_MS: '300',
  STORAGE_ARCHIVE_FLUSH_MS: '1500',
  STORAGE_COMMIT_INTERVAL_MS: '300',
});

beforeAll(() => run.setUp(), 180_000);
afterAll(() => run.cleanUp(), 120_000);

describe('chaos: worker crashes', () => {
  it(
    `loses and duplicates nothing in any store while workers are SIGKILLed (${EVENTS} events)`,
    async () => {
      const report = await runPipelineScenario({
        name: `worker crashes, ${EVENTS} events`,
        run,
        events: EVENTS,
        seed: SEED,
        trafficMs: TRAFFIC_S * 1000,
        perRole: { enrichment: 2, aggregation: 2, storage: 2, 'lag-monitor': 2 },
        bounds,
        disruption: workerKills({
          roles: ['enrichment', 'aggregation', 'storage', 'lag-monitor'],
          everyMs: [3_000, 7_000],
        }),
      });

      // The kills must have happened, to every role, for the rest to mean anything.
      const kills = report.disruption.recoveries;
      expect(kills.length).toBeGreaterThanOrEqual(Math.floor(TRAFFIC_S / 7));
      for (const s of report.stores)
        expect({ ...s, exact: isExact(s) }).toMatchObject({ exact: true });
      expect(report.mismatches.slice(0, 20)).toEqual([]);
      expect(report.lastEmittedS).not.toBeNull();
      expect(report.unexpectedExits.map((e) => `${e.id} exited ${e.code}:\n${e.logTail}`)).toEqual(
        [],
      );
      expect(report.stopCodes.filter((c) => c.code !== 0)).toEqual([]);
      expect(
        kills.filter((k) => k.recoveredMs === null || k.recoveredMs > RECOVERY_GOAL_MS),
      ).toEqual([]);
    },
    long ? 1_800_000 : 600_000,
  );
});
