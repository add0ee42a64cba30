// Pause, stop and resume a stage through the control channel (`sluice stage …`), with real
// enrichment workers on the real broker: paused, the members keep their partitions and lag grows;
// a worker that starts while the stage is paused stays paused; stopped, the members leave the
// group and stay alive; resumed, the backlog is enriched exactly once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEvents } from '../enrichment/raw-events.fixture.ts';
import { testEnv, uniqueName } from '../env.ts';
import { groupLag, groupMembers, readTopic } from '../support/kafka-reader.ts';
import { produceLines, runSluice, sluiceOk, waitFor } from '../support/sluice-cli.ts';
import { stageStatus, stopStage } from '../support/stage-cli.ts';
import { tearDownSuite } from '../support/suite-teardown.ts';
import { workerProcesses } from '../support/worker-processes.ts';

const prefix = `${uniqueName('it-control').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-control-'));
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '4',
  GEOIP_CITY_DB: join(dir, 'city.mmdb'),
  KAFKA_BROKERS: testEnv.kafkaBrokers,
};
const group = `${prefix}enrichment-workers`;
const raw = `${prefix}events.raw`;
const workers = workerProcesses(env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const members = async () => (await groupMembers(group)).length;
const produce = (lines: string[], name: string) =>
  produceLines(env, join(dir, `${name}.ndjson`), lines);
const startWorker = (id: string) => workers.start('enrichment', id);

beforeAll(async () => {
  await sluiceOk(['geoip', 'build-test-db', '--out', env.GEOIP_CITY_DB], env);
  await sluiceOk(['topics', 'create'], env);
}, 120_000);

afterAll(() => tearDownSuite({ workers: workers.all, topicPrefix: prefix }));

describe('sluice stage pause / stop / resume', () => {
  it('pauses, stops and resumes the enrichment stage without losing or repeating an event', async () => {
    const first = rawEvents(1000, 50, 'ctl-a');
    const second = rawEvents(1500, 50, 'ctl-b');
    const one = startWorker('one');
    await one.waitForLog(/partitions assigned: \S+events\.raw\[\d+\]/, 60_000);
    await produce(first.lines, 'first');
    await waitFor(
      'the first events enriched',
      async () => (await groupLag(group, raw)) === 0,
      60_000,
    );

    // Paused: the member stays, nothing more is read, lag grows and stays.
    await sluiceOk(['stage', 'pause', 'enrichment', '--reason', 'integration test'], env);
    await one.waitForLog(
      /stage paused by cli:\S+ at .* \(integration test\) \(was running\)/,
      20_000,
    );
    await produce(second.lines, 'second');
    const lagPaused = await groupLag(group, raw);
    expect(lagPaused, one.log()).toBe(second.lines.length);
    // A worker started now reads the channel before it joins: it takes partitions, paused.
    const two = startWorker('two');
    await two.waitForLog(/partitions stay paused/, 60_000);
    await two.waitForLog(/partitions assigned: \S+events\.raw\[\d+\]/, 60_000);
    await sleep(4000);
    expect(await groupLag(group, raw)).toBe(lagPaused);
    expect(await members()).toBe(2);
    // The group is stable with both members: the condition is the control state alone, as the
    // console shows it.
    expect(await stageStatus(env, 'enrichment')).toMatchObject({
      state: 'paused',
      reason: 'integration test',
      members: 2,
      phase: 'stable',
      condition: 'paused',
    });
    // No aggregation worker ever ran under this prefix: its group has no member and no offsets.
    expect(await stageStatus(env, 'aggregation')).toMatchObject({
      state: 'running',
      members: 0,
      phase: 'dead',
      condition: 'running, group dead (no member, no offsets)',
    });

    // Stopped: the members leave the group, the processes stay up.
    await stopStage(env, 'enrichment', group);
    // An empty group is what a stop asks for: the condition says only "stopped".
    expect(await stageStatus(env, 'enrichment')).toMatchObject({
      state: 'stopped',
      members: 0,
      phase: 'empty',
      condition: 'stopped',
    });
    expect(one.child.exitCode).toBeNull();
    expect(two.child.exitCode).toBeNull();
    expect(await groupLag(group, raw)).toBe(lagPaused);

    // Resumed: both rejoin and the backlog is enriched, once.
    await sluiceOk(['stage', 'resume', 'enrichment'], env);
    await waitFor('the backlog enriched', async () => (await groupLag(group, raw)) === 0, 90_000);
    expect(await members()).toBe(2);
    const valid = new Set([...first.valid, ...second.valid]);
    const enriched = await readTopic(`${prefix}events.enriched`, valid.size);
    const ids = enriched.map((r) => JSON.parse(r.value?.toString() ?? '{}').event_id as string);
    expect(ids.length).toBe(valid.size);
    expect(new Set(ids)).toEqual(valid);

    for (const w of [one, two]) {
      w.child.kill('SIGTERM');
      expect(await w.exitCode(40_000), w.log()).toBe(0);
    }
  }, 300_000);
  it('resets a stopped stage to the earliest offsets only once the group is empty and named', async () => {
    const three = startWorker('three');
    await three.waitForLog(/partitions assigned: \S+events\.raw\[\d+\]/, 60_000);
    await waitFor('caught up', async () => (await groupLag(group, raw)) === 0, 60_000);
    const total = 2500; // every record of events.raw so far (the first test's two batches)

    const plan = JSON.parse(
      (await sluiceOk(['stage', 'reset', 'enrichment', '--to-earliest', '--json'], env)).stdout,
    );
    expect(plan).toMatchObject({ group, reprocess: total, skip: 0, errors: [] });
    expect(plan.rows).toHaveLength(4);

    // With a member in the group Kafka would refuse: so does the command, saying what to do.
    const refused = await runSluice(
      ['stage', 'reset', 'enrichment', '--to-earliest', '--execute', '--confirm', group],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /has 1 member: .*Stop the stage first.*sluice stage stop enrichment/,
    );

    await stopStage(env, 'enrichment', group, 'the group to empty');
    const unconfirmed = await runSluice(
      ['stage', 'reset', 'enrichment', '--to-earliest', '--execute', '--confirm', 'enrichment'],
      env,
    );
    expect(unconfirmed.stderr).toMatch(/--confirm must be the group name/);
    expect(await groupLag(group, raw)).toBe(0);
    const applied = await sluiceOk(
      ['stage', 'reset', 'enrichment', '--to-earliest', '--execute', '--confirm', group],
      env,
    );
    expect(applied.stderr).toMatch(
      /offsets reset on 4 partitions \(2500 to read again, 0 skipped\)/,
    );
    expect(await groupLag(group, raw)).toBe(total);

    // Resumed, the worker reads everything again and passes it on again: the reset is a
    // re-processing (its duplicate window restores up to the committed offset, now the start).
    await sluiceOk(['stage', 'resume', 'enrichment'], env);
    await waitFor('read again', async () => (await groupLag(group, raw)) === 0, 90_000);
    const enriched = await readTopic(`${prefix}events.enriched`, 4900);
    const ids = enriched.map((r) => JSON.parse(r.value?.toString() ?? '{}').event_id as string);
    expect([ids.length, new Set(ids).size]).toEqual([4900, 2450]);
    three.child.kill('SIGTERM');
    expect(await three.exitCode(40_000), three.log()).toBe(0);
  }, 300_000);
});
