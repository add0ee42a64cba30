// The stage runtime's promises to an orchestrator, on the real broker and as users run workers
// (the `sluice` CLI): a worker that cannot go on exits non-zero within a bounded time instead of
// lingering with a healthy /healthz, whether its broker is unreachable at start or a second
// instance with the same transactional id fenced it mid-run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEvents } from '../enrichment/raw-events.fixture.ts';
import { uniqueName } from '../env.ts';
import { committedEndOffset, groupLag, groupMembers, readTopic } from '../support/kafka-reader.ts';
import { produceLines, sluiceOk, waitFor } from '../support/sluice-cli.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';

const prefix = `${uniqueName('it-runtime').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-runtime-'));
const geoDb = join(dir, 'city.mmdb');
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  GEOIP_CITY_DB: geoDb,
  // Small batches and no commit interval: a transaction every few milliseconds while it runs.
  ENRICH_MAX_BATCH: '50',
  STAGE_COMMIT_INTERVAL_MS: '0',
};
const workers = workerProcesses(env);
const startWorker = (id: string, extraEnv: NodeJS.ProcessEnv = {}) =>
  workers.start('enrichment', id, extraEnv);

beforeAll(async () => {
  await sluiceOk(['geoip', 'build-test-db', '--out', geoDb], env);
  await sluiceOk(['topics', 'create'], env);
}, 120_000);

// The transactional test's topics are under the suite's prefix too.
afterAll(() => tearDownSuite({ workers: workers.all, topicPrefix: prefix }));

describe('stage runtime', () => {
  it('exits non-zero with a clear message when the broker is unreachable at start', async () => {
    const started = Date.now();
    const w = startWorker('unreachable', { KAFKA_BROKERS: '127.0.0.1:1' });
    const code = await w.exitCode(45_000);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(w.log()).toMatch(/could not start: .+/);
    // One line per record: no multi-line dumps of client error objects.
    for (const line of w.log().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    console.log(`unreachable broker: exited ${code} after ${Date.now() - started} ms`);
  });

  it('a worker fenced by a second instance with its transactional id exits non-zero within 30 s', async () => {
    await produceLines(env, join(dir, 'events.ndjson'), rawEvents(40_000, 0, 'f').lines);

    const first = startWorker('same-id');
    await waitFor(
      'the first worker commits',
      async () => (await committedEndOffset(`${prefix}events.enriched`)) > 2000,
    );
    // Same worker id, same transactional id: its initTransactions() fences the first one.
    const fencedAt = Date.now();
    const second = startWorker('same-id');
    const code = await first.exitCode(30_000);
    const tookMs = Date.now() - fencedAt;
    console.log(`fenced worker exited ${code} after ${tookMs} ms`);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(first.log()).toMatch(/fenced|Fenced|FENCED|epoch/);
    // The survivor goes on and finishes the input exactly once is the enrichment suite's job;
    // here it must simply still be running.
    expect(second.child.exitCode).toBeNull();
  });

  it("moves a SIGKILLed worker's partitions to the survivor within 20 s", async () => {
    const group = `${prefix}enrichment-workers`;
    const owners = () => groupMembers(group);
    for (const w of workers.all) w.child.kill('SIGKILL');
    const survivor = startWorker('survivor');
    const victim = startWorker('victim');
    await waitFor('both workers to own partitions', async () => {
      const o = await owners();
      return o.length === 2 && o.every((m) => m.partitions > 0);
    });
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    await waitFor(
      'the survivor to own every partition',
      async () => {
        const o = await owners();
        return o.length === 1 && o[0]?.partitions === 4;
      },
      60_000,
    );
    const movedMs = Date.now() - killedAt;
    console.log(`partitions of a SIGKILLed worker moved after ${movedMs} ms`);
    expect(movedMs).toBeLessThan(20_000);
    expect(survivor.child.exitCode).toBeNull();
  });

  it('on a transactional input: lag 0 once caught up, and the last windows close when traffic stops', async () => {
    for (const w of workers.all) w.child.kill('SIGKILL');
    const p2 = `${prefix}tx.`;
    const tx = { SLUICE_TOPIC_PREFIX: p2, AGG_IDLE_TIMEOUT: '5s', STAGE_COMMIT_INTERVAL_MS: '100' };
    const env2 = { ...env, ...tx };
    await sluiceOk(['topics', 'create'], env2);
    await produceLines(env2, join(dir, 'tx-events.ndjson'), rawEvents(3000, 0, 't').lines);
    const start = (kind: string) => workers.start(kind, `${kind}-tx`, tx);
    start('enrichment');
    start('aggregation');
    // events.enriched is written in transactions: every batch leaves a commit marker after it.
    await waitFor('the aggregation group to read lag 0 on its transactional input', async () => {
      const [enrich, agg] = await Promise.all([
        groupLag(`${p2}enrichment-workers`, `${p2}events.raw`),
        groupLag(`${p2}aggregation-workers`, `${p2}events.enriched`),
      ]);
      return (
        enrich === 0 && agg === 0 && (await committedEndOffset(`${p2}events.enriched`)) >= 3000
      );
    });
    const caughtUpAt = Date.now();
    // Every window of the (now idle) partitions must be emitted as final.
    await waitFor(
      'every window final after the idle timeout',
      async () => {
        const records = await readTopic(`${p2}aggregates`, 1, {
          settleMs: 1000,
          timeoutMs: 10_000,
        });
        const last = new Map<string, { final: boolean }>();
        for (const r of records)
          if (r.key && r.value) last.set(r.key, JSON.parse(r.value.toString()));
        return last.size > 0 && [...last.values()].every((v) => v.final);
      },
      60_000,
    );
    const closedMs = Date.now() - caughtUpAt;
    console.log(
      `lag 0 on a transactional input; last windows final ${closedMs} ms after catching up`,
    );
    expect(closedMs).toBeLessThan(5000 + 20_000);
    expect(await groupLag(`${p2}aggregation-workers`, `${p2}events.enriched`)).toBe(0);
  });
});
