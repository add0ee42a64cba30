// Scaling the enrichment stage 1 → 3 → 1 worker processes during a run, as an autoscaler would:
// partitions rebalance (cooperative-sticky), exactly once holds (every event enriched once), and
// the lag monitor's history in PostgreSQL covers the run and ends at zero lag with status OK.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEvents } from '../enrichment/raw-events.fixture.ts';
import { testEnv, uniqueName } from '../env.ts';
import { deletePrefixedTopics, groupLag, readTopic } from '../support/kafka-reader.ts';
import { runSluice, startSluice, type Worker } from '../support/sluice-cli.ts';

const prefix = `${uniqueName('it-scale').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-scale-'));
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '6',
  GEOIP_CITY_DB: join(dir, 'city.mmdb'),
  ENRICH_MAX_BATCH: '200',
};
const group = `${prefix}enrichment-workers`;
const raw = `${prefix}events.raw`;
const processes: Worker[] = [];
const db = new pg.Client({ connectionString: testEnv.databaseUrl });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(args: string[]): Worker {
  const w = startSluice(args, env);
  processes.push(w);
  return w;
}

async function stop(w: Worker) {
  w.child.kill('SIGTERM');
  // A worker's own stop deadline is 25 s (WORKER_STOP_TIMEOUT_MS).
  const code = await w.exitCode(40_000);
  if (code !== 0)
    throw new Error(
      `exit ${code} (${w.child.signalCode}) of ${w.child.spawnargs.join(' ')}:\n${w.log()}`,
    );
}

beforeAll(async () => {
  for (const args of [
    ['geoip', 'build-test-db', '--out', env.GEOIP_CITY_DB],
    ['topics', 'create'],
  ]) {
    const r = await runSluice(args, env);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  await db.connect();
}, 120_000);

afterAll(async () => {
  for (const w of processes) w.child.kill('SIGKILL');
  await db.query('DELETE FROM lag_samples WHERE group_id = $1', [group]);
  await db.end();
  await deletePrefixedTopics(prefix);
});

describe('scaling the enrichment workers', () => {
  it('1 → 3 → 1 workers during a run: exactly once, and the lag history shows the run', async () => {
    const fixture = rawEvents(24_000, 1_000_000, 'scale');
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${fixture.lines.join('\n')}\n`);

    const monitor = start([
      'worker',
      'lag-monitor',
      '--interval',
      '1',
      '--group',
      group,
      '--no-cloudwatch',
      '--metrics-port',
      '0',
    ]);
    const producer = start(['produce', '--input', file, '--rate', '1200']);
    const first = start(['worker', 'enrichment', '--metrics-port', '0', '--worker-id', 'one']);
    await sleep(6_000);
    const more = [
      start(['worker', 'enrichment', '--metrics-port', '0', '--worker-id', 'two']),
      start(['worker', 'enrichment', '--metrics-port', '0', '--worker-id', 'three']),
    ];
    // Scale in once both took partitions over and worked a while with them.
    await Promise.all(
      more.map((w) => w.waitForLog(/partitions assigned: \S+events\.raw\[\d+\]/, 60_000)),
    );
    await sleep(4_000);
    await Promise.all(more.map(stop));
    expect(await producer.exitCode(60_000)).toBe(0);
    const deadline = Date.now() + 90_000;
    while ((await groupLag(group, raw)) > 0) {
      if (Date.now() > deadline) throw new Error('the group did not catch up');
      await sleep(250);
    }
    await sleep(2_500); // a couple more lag-monitor polls at zero lag
    await stop(first);
    await stop(monitor);

    // Partitions did move: the added workers were assigned some, and gave them back.
    for (const w of more) {
      expect(w.log(), w.log()).toMatch(/partitions assigned: \S+events\.raw\[\d+\]/);
      expect(w.log()).toMatch(/partitions revoked: \S+events\.raw\[\d+\]/);
    }
    expect(first.log()).toMatch(/partitions revoked: \S+events\.raw\[\d+\]/);
    const enriched = await readTopic(`${prefix}events.enriched`, fixture.valid.size);
    const ids = enriched.map((r) => JSON.parse(r.value?.toString() ?? '{}').event_id as string);
    expect(ids.length).toBe(fixture.valid.size);
    expect(new Set(ids)).toEqual(fixture.valid);

    const history = await db.query(
      `SELECT sampled_at, sum(offset_lag)::int AS lag, max(status) AS status
         FROM lag_samples WHERE group_id = $1 GROUP BY sampled_at ORDER BY sampled_at`,
      [group],
    );
    expect(history.rows.length).toBeGreaterThan(10);
    const lags = history.rows.map((r) => r.lag as number);
    expect(Math.max(...lags)).toBeGreaterThan(0);
    expect(lags.at(-1)).toBe(0);
    expect(history.rows.at(-1)?.status).toBe('OK');
  }, 240_000);
});
