// An offsets reset of the aggregation stage (`sluice stage reset`) commits offsets without the
// stage's transaction token, so no changelog meta entry names them. The worker that takes the
// partitions afterwards waited for one until its restore timed out (120 s) and it failed, again
// at every restart. It must restore the latest state instead, and the state's own position must
// keep the records it holds from being counted twice when a reset backwards reads them again.
// Reset to the middle of each partition: windows that lost the state would hold only the events
// after that point, windows that counted twice more than the truth; they must equal it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../env.ts';
import { groupLag, readTopic } from '../support/kafka-reader.ts';
import { sluiceOk, waitFor } from '../support/sluice-cli.ts';
import { stopStage } from '../support/stage-cli.ts';
import {
  aggregationNames,
  aggregationSuite,
  lastPerKey,
  produceFixture,
} from './aggregation-suite.ts';
import { enrichedEvents, type FixtureEvent, T0 } from './enriched-events.fixture.ts';
import { windowTruth } from './ground-truth.ts';

const prefix = `${uniqueName('it-agg-reset').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-agg-reset-'));
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '2',
  AGG_COMMIT_INTERVAL_MS: '200',
  // One window size, and bounds under which no window of the fixture (about 90 s of event
  // time) closes until the closing events come: every event is on time.
  AGG_WINDOWS: '1h',
  AGG_MAX_OUT_OF_ORDER: '10m',
  AGG_ALLOWED_LATENESS: '20s',
  AGG_IDLE_TIMEOUT: '1h',
  AGG_SESSION_GAP: '30m',
  AGG_RETENTION: '2h',
};
const { topics, group } = aggregationNames(prefix);
const fleet = aggregationSuite(env, prefix);
const N = 2000;
/** Where each partition is reset to: well inside both (about 1,000 events each). */
const MIDDLE = 300;

/** The final window counts of the aggregates topic: the last partial per key, summed per window. */
async function finalCounts(expectedRecords: number): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  const records = await readTopic(topics.aggregates, expectedRecords, { settleMs: 1500 });
  for (const v of lastPerKey(records).values()) {
    if (!v.final) continue;
    const window = `${v.window_size}|${v.window_start}|${v.type}`;
    sums.set(window, (sums.get(window) ?? 0) + (v.count as number));
  }
  return sums;
}

/** Events three hours of event time later, on both partitions: they close the fixture's windows. */
const closingEvents = (): FixtureEvent[] =>
  Array.from({ length: 16 }, (_, i) => ({
    event_id: `close-${i}`,
    type: 'pageview',
    timestamp: new Date(T0 + 3 * 3_600_000).toISOString(),
    timestamp_ms: T0 + 3 * 3_600_000,
    user_id: `closer-${i}`,
    session_id: `closer-${i}`,
    url: 'https://shop.example.com/',
    geo: { country_code: 'GB' },
    ua: { device_type: 'desktop' },
  }));

describe('aggregation worker after an offsets reset', () => {
  it('restores the latest state at once and counts no event twice or not at all', async () => {
    const partitions = await produceFixture(
      env,
      dir,
      topics.enriched,
      enrichedEvents(N, 40, 11),
      2,
    );
    const truth = windowTruth(partitions, {
      sizesMs: { '1h': 3_600_000 },
      maxOutOfOrderMs: 600_000,
      allowedLatenessMs: 20_000,
      sessionGapMs: 30 * 60_000,
    });
    // The bounds must keep every event on time, so that the truth is plain counts.
    expect([...truth.values()].every((w) => w.lateAccepted === 0 && w.lateDropped === 0)).toBe(
      true,
    );
    const a = fleet.start('a');
    await waitFor('the input read', async () => (await groupLag(group, topics.enriched)) === 0);
    // Nothing closed yet: the windows are all still held when the offsets are reset.
    expect(await readTopic(topics.aggregates, 1, { timeoutMs: 3000, settleMs: 500 })).toEqual([]);

    await stopStage(env, 'aggregation', group);
    const reset = await sluiceOk(
      [
        'stage',
        'reset',
        'aggregation',
        '--to-offsets',
        `0=${MIDDLE},1=${MIDDLE}`,
        '--execute',
        '--confirm',
        group,
      ],
      env,
    );
    expect(reset.stderr).toMatch(
      new RegExp(`offsets reset on 2 partitions \\(${N - 2 * MIDDLE} to read again, 0 skipped\\)`),
    );
    expect(reset.stderr).toMatch(/events it has counted are not counted again/);
    expect(await groupLag(group, topics.enriched)).toBe(N - 2 * MIDDLE);

    const resumed = Date.now();
    await sluiceOk(['stage', 'resume', 'aggregation'], env);
    await a.waitForLog(/restored partitions [01],[01] \(2 with committed state\)/, 60_000);
    // Far below the restore's 120 s timeout, which is what the worker used to reach.
    expect(Date.now() - resumed).toBeLessThan(60_000);
    expect(a.log()).toMatch(
      new RegExp(
        `partition 0: the committed offset ${MIDDLE} was set outside the stage \\(an offsets reset\\), so the latest state in the changelog was restored \\(committed at ${partitions[0]?.length}@`,
      ),
    );
    await waitFor('read again', async () => (await groupLag(group, topics.enriched)) === 0);

    const closing = join(dir, 'closing.ndjson');
    writeFileSync(
      closing,
      `${closingEvents()
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    await sluiceOk(['produce', '--input', closing, '--topic', topics.enriched], env);
    // Each partition needs one to move its watermark past the windows.
    const closers = (await readTopic(topics.enriched, N + 16)).filter((r) =>
      r.value?.toString().includes('"close-'),
    );
    expect(new Set(closers.map((r) => r.partition))).toEqual(new Set([0, 1]));
    let got = new Map<string, number>();
    await waitFor(
      'every window closed',
      async () => {
        got = await finalCounts(truth.size);
        return [...truth.keys()].every((key) => got.has(key));
      },
      60_000,
    );
    for (const [key, w] of truth)
      expect({ key, count: got.get(key) }).toEqual({ key, count: w.count });
    expect(a.log()).not.toMatch(/"level":"error"|restore timed out/);
  }, 240_000);
});
