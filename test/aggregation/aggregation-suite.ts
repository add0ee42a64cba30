// What the aggregation suites share: the topic and group names under a prefix, aggregation
// workers started through the `sluice` CLI, remembered so that the suite can kill them after, and
// the fixture's events produced and read back as committed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { deletePrefixedTopics, type ReadRecord, readTopic } from '../support/kafka-reader.ts';
import { sluiceOk, startSluice, type Worker } from '../support/sluice-cli.ts';
import type { FixtureEvent } from './enriched-events.fixture.ts';

export function aggregationNames(prefix: string) {
  return {
    topics: {
      enriched: `${prefix}events.enriched`,
      aggregates: `${prefix}aggregates`,
      sessions: `${prefix}sessions`,
    },
    group: `${prefix}aggregation-workers`,
  };
}

function aggregationWorkers(env: NodeJS.ProcessEnv) {
  const workers: Worker[] = [];
  return {
    start(id: string): Worker {
      const w = startSluice(
        ['worker', 'aggregation', '--metrics-port', '0', '--worker-id', id],
        env,
      );
      workers.push(w);
      return w;
    },
    killAll(): void {
      for (const w of workers) w.child.kill('SIGKILL');
    },
  };
}

/**
 * A suite's workers: its topics (under `env`'s prefix, `prefix`) are created before its tests
 * and, once every worker is killed, deleted after them.
 */
export function aggregationSuite(env: NodeJS.ProcessEnv, prefix: string) {
  const fleet = aggregationWorkers(env);
  beforeAll(async () => {
    await sluiceOk(['topics', 'create'], env);
  }, 60_000);
  afterAll(async () => {
    fleet.killAll();
    await deletePrefixedTopics(prefix);
  });
  return fleet;
}

/**
 * Produces the events into `topic` (`sluice produce`, through a file in `dir`) and reads them
 * back as committed: each partition's events in offset order, which the ground truth depends on.
 */
export async function produceFixture(
  env: NodeJS.ProcessEnv,
  dir: string,
  topic: string,
  events: readonly FixtureEvent[],
  partitions: number,
): Promise<FixtureEvent[][]> {
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  await sluiceOk(['produce', '--input', file, '--topic', topic], env);
  const input = await readTopic(topic, events.length);
  expect(input.length).toBe(events.length);
  const out: FixtureEvent[][] = Array.from({ length: partitions }, () => []);
  for (const r of [...input].sort((a, b) => Number(a.offset) - Number(b.offset)))
    out[r.partition]?.push(JSON.parse(r.value?.toString() ?? '{}'));
  return out;
}

/** The last record per key (a window's or session's latest partial), parsed. */
export function lastPerKey(records: readonly ReadRecord[]): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (const r of records)
    if (r.key !== null && r.value !== null) m.set(r.key, JSON.parse(r.value.toString()));
  return m;
}
