// The Aggregation worker against the real broker, run as users run it (the `sluice` CLI):
// 36,000 enriched events on 12 partitions with bounded disorder; two workers, one SIGKILLed twice
// mid-run and restarted, then a third joining mid-run. The merged partials (last record per key,
// summed over source partitions) must equal the ground truth exactly in count and late counts,
// unique users within the sketch's error, and every session must equal its ground truth.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HLL_STANDARD_ERROR, HyperLogLog } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../env.ts';
import { groupLag, readTopic } from '../support/kafka-reader.ts';
import { waitFor } from '../support/sluice-cli.ts';
import {
  aggregationNames,
  aggregationSuite,
  lastPerKey,
  produceFixture,
} from './aggregation-suite.ts';
import { enrichedEvents } from './enriched-events.fixture.ts';
import { sessionTruth, windowTruth } from './ground-truth.ts';

const prefix = `${uniqueName('it-agg').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-agg-'));
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '12',
  // Small batches and a transaction every 100 ms (not the default second): many transactions,
  // so kills land between and inside them.
  AGG_MAX_BATCH: '25',
  AGG_COMMIT_INTERVAL_MS: '100',
  AGG_WINDOWS: '1m,5m,1h',
  AGG_MAX_OUT_OF_ORDER: '10s',
  AGG_ALLOWED_LATENESS: '20s',
  AGG_LATE_POLICY: 'drop',
  AGG_IDLE_TIMEOUT: '12s',
  AGG_SESSION_GAP: '30m',
  AGG_RETENTION: '1h',
};
const { topics, group } = aggregationNames(prefix);
const fleet = aggregationSuite(env, prefix);
// The acceptance's 200,000 events by default (about 110 s here); SLUICE_IT_AGG_EVENTS=36000
// gives a quicker run while developing.
const N = Number(process.env.SLUICE_IT_AGG_EVENTS ?? 200_000);
const SCALE = Math.max(1, N / 36_000);

const startWorker = fleet.start;

const isCorrection = (v: Record<string, unknown>) =>
  v.correction !== undefined && v.correction !== 0;

describe('aggregation worker', () => {
  it(
    'equals the ground truth after two SIGKILLs and a third worker joining',
    async () => {
      // The ground truth depends on each partition's order: read it back as committed.
      const partitions = await produceFixture(
        env,
        dir,
        topics.enriched,
        enrichedEvents(N, 1200),
        12,
      );
      const truth = windowTruth(partitions, {
        sizesMs: { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 },
        maxOutOfOrderMs: 10_000,
        allowedLatenessMs: 20_000,
        sessionGapMs: 30 * 60_000,
      });
      const lates = [...truth.values()].reduce(
        (a, w) => ({ accepted: a.accepted + w.lateAccepted, dropped: a.dropped + w.lateDropped }),
        { accepted: 0, dropped: 0 },
      );
      // The fixture must exercise both late paths for this test to mean anything.
      expect(lates.accepted).toBeGreaterThan(100);
      expect(lates.dropped).toBeGreaterThan(100);

      let a = startWorker('a');
      startWorker('b');
      const lagBelow = (n: number) => async () => (await groupLag(group, topics.enriched)) < n;
      for (const threshold of [0.8 * N, 0.55 * N]) {
        await waitFor(`lag below ${threshold}`, lagBelow(threshold));
        // A random moment a little later.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1500)));
        expect(await groupLag(group, topics.enriched)).toBeGreaterThan(0);
        a.child.kill('SIGKILL');
        await a.exited;
        // Restarted under the same id, as an orchestrator restarts a pod: its transactional id
        // fences the dead instance's open transaction.
        a = startWorker('a');
      }
      await waitFor('lag below 35%', lagBelow(0.35 * N));
      expect(await groupLag(group, topics.enriched)).toBeGreaterThan(0);
      startWorker('c');
      await waitFor(
        'the group to catch up',
        async () => (await groupLag(group, topics.enriched)) === 0,
        150_000 * SCALE,
      );

      const sizes: Record<string, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };
      const expectedPartials = new Set<string>();
      partitions.forEach((events, p) => {
        for (const e of events)
          for (const [name, ms] of Object.entries(sizes)) {
            const start = new Date(Math.floor(e.timestamp_ms / ms) * ms).toISOString();
            expectedPartials.add(`${name}|${start}|${e.type}|${p}`);
          }
      });
      const expectedKeys = truth.size * 12; // an upper bound: not every partition has every window
      let merged = new Map<
        string,
        { count: number; la: number; ld: number; sketch: HyperLogLog; final: boolean }
      >();
      await waitFor(
        'every window final',
        async () => {
          const records = lastPerKey(await readTopic(topics.aggregates, 1, { settleMs: 1500 }));
          merged = new Map();
          for (const v of records.values()) {
            const key = `${v.window_size}|${v.window_start}|${v.type}`;
            const m = merged.get(key) ?? {
              count: 0,
              la: 0,
              ld: 0,
              sketch: new HyperLogLog(),
              final: true,
            };
            // A late-drop correction (events past AGG_RETENTION) adds only to late_dropped.
            m.ld += v.late_dropped as number;
            if (!isCorrection(v)) {
              m.count += v.count as number;
              m.la += v.late_accepted as number;
              m.final &&= v.final as boolean;
              m.sketch.merge(HyperLogLog.fromBase64(v.unique_users_sketch as string));
            }
            merged.set(key, m);
          }
          // Every partition that saw events of a window must have emitted its final partial:
          // a merged key alone can look complete while some partitions have not fired yet.
          const finals = new Set(
            [...records.values()]
              .filter((v) => v.final && !isCorrection(v))
              .map((v) => `${v.window_size}|${v.window_start}|${v.type}|${v.source_partition}`),
          );
          return (
            merged.size === truth.size &&
            [...expectedPartials].every((k) => finals.has(k)) &&
            [...merged.values()].every((m) => m.final)
          );
        },
        90_000 * SCALE,
      );
      expect(expectedKeys).toBeGreaterThan(0);
      for (const [key, t] of truth) {
        const m = merged.get(key);
        expect({ key, count: m?.count, la: m?.la, ld: m?.ld }).toEqual({
          key,
          count: t.count,
          la: t.lateAccepted,
          ld: t.lateDropped,
        });
        const estimate = m?.sketch.estimate() ?? 0;
        // 4σ, and ±1 for the tiny sets where rounding dominates.
        expect(Math.abs(estimate - t.users.size)).toBeLessThanOrEqual(
          Math.max(1, 4 * HLL_STANDARD_ERROR * t.users.size),
        );
      }

      const sessions = lastPerKey(await readTopic(topics.sessions, 1200));
      const expected = sessionTruth(partitions);
      expect(sessions.size).toBe(expected.size);
      for (const [id, s] of expected) expect(sessions.get(id)).toEqual(s);
    },
    300_000 * SCALE,
  );
});
