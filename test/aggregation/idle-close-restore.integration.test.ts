// An idle tick closes a partition's windows and sessions in a transaction of its own: it reads
// nothing, so it commits the same input offset as the transaction before it. A worker that takes
// the partitions over afterwards must restore the state that tick left (everything closed), not
// the state before it; restoring the earlier one, it closed and emitted every window and session
// a second time once the partition was idle again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../env.ts';
import { groupLag, readTopic } from '../support/kafka-reader.ts';
import { waitFor } from '../support/sluice-cli.ts';
import { aggregationNames, aggregationSuite, produceFixture } from './aggregation-suite.ts';
import { enrichedEvents } from './enriched-events.fixture.ts';
import { sessionTruth } from './ground-truth.ts';

const prefix = `${uniqueName('it-agg-idle').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-agg-idle-'));
const IDLE_MS = 2000;
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '2',
  AGG_WINDOWS: '1m,5m',
  AGG_MAX_OUT_OF_ORDER: '10s',
  AGG_ALLOWED_LATENESS: '20s',
  AGG_LATE_POLICY: 'drop',
  AGG_IDLE_TIMEOUT: `${IDLE_MS}ms`,
  // Longer than the fixture's 30 s of event time: only the idle tick closes the sessions.
  AGG_SESSION_GAP: '30m',
  AGG_RETENTION: '1h',
};
const { topics, group } = aggregationNames(prefix);
const fleet = aggregationSuite(env, prefix);
const N = 2000;

const startWorker = fleet.start;

const perKey = (records: { key: string | null }[]) => {
  const m = new Map<string, number>();
  for (const r of records) m.set(r.key ?? '', (m.get(r.key ?? '') ?? 0) + 1);
  return m;
};

describe('aggregation worker after an idle close', () => {
  it('restores what the idle tick committed: a new owner emits nothing again', async () => {
    const partitions = await produceFixture(env, dir, topics.enriched, enrichedEvents(N, 40, 7), 2);
    const expected = sessionTruth(partitions);

    const a = startWorker('a');
    await waitFor('the input read', async () => (await groupLag(group, topics.enriched)) === 0);
    // Only the idle tick closes sessions; visible to a read_committed reader means committed.
    await waitFor(
      'every session emitted by the idle tick',
      async () =>
        (await readTopic(topics.sessions, expected.size, { timeoutMs: 3000 })).length >=
        expected.size,
      60_000,
    );
    expect(a.log()).toMatch(/partition 0 idle: watermark advanced/);
    expect(a.log()).toMatch(/partition 1 idle: watermark advanced/);
    const sessionsBefore = await readTopic(topics.sessions, expected.size);
    const windowsBefore = await readTopic(topics.aggregates, 1);
    expect(perKey(sessionsBefore).size).toBe(expected.size);
    expect([...perKey(sessionsBefore).values()].every((n) => n === 1)).toBe(true);

    a.child.kill('SIGKILL');
    await a.exited;
    const b = startWorker('b');
    await b.waitForLog(/restored partitions [01],[01] \(2 with committed state\)/, 60_000);
    // Idle for several idle timeouts: what b restored has nothing left to close.
    await new Promise((r) => setTimeout(r, 4 * IDLE_MS + 2000));

    const sessionsAfter = await readTopic(topics.sessions, sessionsBefore.length);
    const windowsAfter = await readTopic(topics.aggregates, windowsBefore.length);
    expect(sessionsAfter.length).toBe(sessionsBefore.length);
    expect(windowsAfter.length).toBe(windowsBefore.length);
    expect(b.log()).not.toMatch(/idle: watermark advanced/);
    const last = new Map<string, unknown>();
    for (const r of sessionsAfter)
      if (r.key !== null && r.value !== null) last.set(r.key, JSON.parse(r.value.toString()));
    for (const [id, s] of expected) expect(last.get(id)).toEqual(s);
    expect(b.log()).not.toMatch(/"level":"error"/);
  }, 180_000);
});
