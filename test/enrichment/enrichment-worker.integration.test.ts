// The Enrichment worker against the real broker, run as users run it (the `sluice` CLI):
// 10,000 events with 1% malformed → events.enriched holds exactly the valid ones, each once and
// enriched, events.dlq exactly the malformed ones with their envelope; still exactly once when
// the worker is SIGKILLed mid-run and restarted; a GeoIP database swap is picked up live; a
// record's own headers travel on to its enriched record and its dead letter.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../env.ts';
import {
  committedEndOffset,
  deletePrefixedTopics,
  groupLag,
  kafka,
  readTopic,
} from '../support/kafka-reader.ts';
import { sluiceOk, startSluice, type Worker, waitFor } from '../support/sluice-cli.ts';
import { rawEvents } from './raw-events.fixture.ts';

const prefix = `${uniqueName('it-enrich').replaceAll('_', '-')}.`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-enrich-'));
const geoDb = join(dir, 'city.mmdb');
const env = {
  ...process.env,
  SLUICE_TOPIC_PREFIX: prefix,
  TOPIC_PARTITIONS: '6',
  GEOIP_CITY_DB: geoDb,
  GEOIP_RELOAD_CHECK_MS: '200',
  // Small batches: many transactions, so a kill lands between and inside them.
  ENRICH_MAX_BATCH: '100',
};
const topics = {
  raw: `${prefix}events.raw`,
  enriched: `${prefix}events.enriched`,
  dlq: `${prefix}events.dlq`,
};
const group = `${prefix}enrichment-workers`;
const BUILD_1 = 1_700_000_000;
const BUILD_2 = 1_800_000_000;
const workers: Worker[] = [];

async function produceLines(lines: string[]) {
  const file = join(dir, `${uniqueName('input')}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  await sluiceOk(['produce', '--input', file], env);
}

function startWorker(id: string): Worker {
  const w = startSluice(['worker', 'enrichment', '--metrics-port', '0', '--worker-id', id], env);
  workers.push(w);
  return w;
}

beforeAll(async () => {
  await sluiceOk(['geoip', 'build-test-db', '--out', geoDb, '--build-epoch', String(BUILD_1)], env);
  await sluiceOk(['topics', 'create'], env);
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await deletePrefixedTopics(prefix);
});

describe('enrichment worker', () => {
  it('is exactly once across a SIGKILL: every valid event enriched once, every malformed one dead-lettered once', async () => {
    const fixture = rawEvents(10_000, 100, 'a');
    expect(fixture.malformed.size).toBe(100);
    await produceLines(fixture.lines);

    const first = startWorker('w1');
    await waitFor(
      'the first commits',
      async () => (await committedEndOffset(topics.enriched)) > 1500,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await committedEndOffset(topics.enriched);
    // The kill must land mid-run for this test to mean anything.
    expect(atKill).toBeLessThan(fixture.valid.size);

    // Restarted under the same id, as an orchestrator restarts a pod: its predecessor's open
    // transaction is aborted when the new producer initialises.
    const second = startWorker('w1');
    await waitFor('the group to catch up', async () => (await groupLag(group, topics.raw)) === 0);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.log()).toMatch(/stopped/);

    const enriched = await readTopic(topics.enriched, fixture.valid.size);
    const ids = enriched.map((r) => JSON.parse(r.value?.toString() ?? '{}').event_id as string);
    expect(ids.length).toBe(fixture.valid.size);
    expect(new Set(ids)).toEqual(fixture.valid);

    const byId = new Map(
      enriched.map((r) => [JSON.parse(r.value?.toString() ?? '{}').event_id, r]),
    );
    const london = JSON.parse(byId.get('a-0')?.value?.toString() ?? '{}');
    expect(london).toMatchObject({
      geo_status: 'ok',
      geo: { city: 'London', country_code: 'GB', time_zone: 'Europe/London', accuracy_radius: 10 },
      ua: { browser: 'Chrome', os: 'Windows', device_type: 'desktop', is_bot: false },
      geoip_build: new Date(BUILD_1 * 1000).toISOString(),
      timestamp: '2026-11-27T10:00:00.000Z',
    });
    expect(byId.get('a-0')?.key).toBe('s0');
    expect(JSON.parse(byId.get('a-2')?.value?.toString() ?? '{}')).toMatchObject({
      geo: { city: 'Berlin' },
      ua: { is_bot: true },
    });
    expect(JSON.parse(byId.get('a-4')?.value?.toString() ?? '{}').geo_status).toBe('private');
    expect(JSON.parse(byId.get('a-3')?.value?.toString() ?? '{}').geo_status).toBe('not_found');

    const dlq = await readTopic(topics.dlq, fixture.malformed.size);
    expect(dlq.length).toBe(fixture.malformed.size);
    const dlqValues = dlq.map((r) => r.value?.toString() ?? '');
    expect(new Set(dlqValues)).toEqual(new Set(fixture.malformed.keys()));
    for (const r of dlq) {
      const value = r.value?.toString() ?? '';
      expect(r.headers).toMatchObject({
        'sluice.stage': 'enrichment',
        'sluice.error.class': 'InvalidEvent',
        'sluice.error.reason': fixture.malformed.get(value),
        'sluice.retryable': 'false',
        'sluice.attempts': '1',
        'sluice.source.topic': topics.raw,
        'sluice.worker.id': 'w1',
        'sluice.geoip.build': new Date(BUILD_1 * 1000).toISOString(),
      });
      expect(Number(r.headers['sluice.source.offset'])).toBeGreaterThanOrEqual(0);
      expect(r.headers['sluice.app.version']).toMatch(/^\d+\.\d+\.\d+/);
    }
  }, 240_000);

  it('drops a record whose event_id it passed on within the horizon, also after a SIGKILL (the window is rebuilt from events.raw)', async () => {
    // Every record keyed by its session, as producers key them: a retry lands where the first did.
    const d = rawEvents(3000, 1_000_000, 'd').lines;
    // An upstream retry right behind its original, inside the first run.
    await produceLines([...d.slice(0, 2000), ...d.slice(0, 300), ...d.slice(2000)]);
    const first = startWorker('w3');
    await waitFor('the first run', async () => (await groupLag(group, topics.raw)) === 0);
    first.child.kill('SIGKILL');
    await first.exited;

    // Retries of events the killed worker passed on, and new events with their own retries:
    // the restarted worker knows the first only from the input it re-reads.
    const e = rawEvents(1000, 1_000_000, 'e').lines;
    await produceLines([...d.slice(2500), ...e, ...e.slice(0, 200)]);
    const second = startWorker('w3');
    await waitFor('the second run', async () => (await groupLag(group, topics.raw)) === 0);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // The first test's 9,900 valid events, then these 4,000: any duplicate would come on top.
    const ids = (await readTopic(topics.enriched, 9900 + 4000)).map(
      (r) => JSON.parse(r.value?.toString() ?? '{}').event_id as string,
    );
    const dIds = ids.filter((id) => id.startsWith('d-'));
    const eIds = ids.filter((id) => id.startsWith('e-'));
    expect(dIds.length).toBe(3000);
    expect(new Set(dIds).size).toBe(3000);
    expect(eIds.length).toBe(1000);
    expect(new Set(eIds).size).toBe(1000);
    expect(second.log()).toMatch(
      /duplicate windows of partitions [\d, ]+ restored from \d+ records/,
    );
  }, 180_000);

  it('picks up a swapped GeoIP database without a restart', async () => {
    const worker = startWorker('w2');
    await worker.waitForLog(/running/);
    const before = rawEvents(50, 1000, 'before').lines;
    await produceLines(before);
    await waitFor('the first events', async () => (await groupLag(group, topics.raw)) === 0);

    const next = join(dir, 'city-next.mmdb');
    await sluiceOk(
      ['geoip', 'build-test-db', '--out', next, '--build-epoch', String(BUILD_2)],
      env,
    );
    renameSync(next, geoDb);
    await worker.waitForLog(/GeoIP database reloaded/);
    await produceLines(rawEvents(50, 1000, 'after').lines);
    await waitFor('the later events', async () => (await groupLag(group, topics.raw)) === 0);
    worker.child.kill('SIGTERM');
    await worker.exited;

    const all = await readTopic(topics.enriched, 9900 + 4000 + 100);
    const builds = new Map<string, Set<string>>();
    for (const r of all) {
      const ev = JSON.parse(r.value?.toString() ?? '{}') as {
        event_id: string;
        geoip_build: string;
      };
      const phase = ev.event_id.split('-')[0] as string;
      if (!builds.has(phase)) builds.set(phase, new Set());
      builds.get(phase)?.add(ev.geoip_build);
    }
    expect(builds.get('before')).toEqual(new Set([new Date(BUILD_1 * 1000).toISOString()]));
    expect(builds.get('after')).toEqual(new Set([new Date(BUILD_2 * 1000).toISOString()]));
  }, 180_000);
  it("passes a record's own headers on to its enriched record and to its dead letter", async () => {
    const worker = startWorker('w3');
    await worker.waitForLog(/running/);
    const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const ok = JSON.stringify({
      event_id: 'hdr-ok',
      type: 'pageview',
      timestamp: Date.parse('2026-11-27T10:00:00Z'),
      user_id: 'u1',
      session_id: 's-hdr',
      url: 'https://shop.example.com/p/1',
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.raw,
      messages: [
        { key: 's-hdr', value: ok, headers },
        { key: 's-hdr', value: '{"event_id": "hdr-bad", not json', headers },
      ],
    });
    await producer.disconnect();
    await waitFor('the two records', async () => (await groupLag(group, topics.raw)) === 0);
    worker.child.kill('SIGTERM');
    await worker.exited;

    const enriched = (await readTopic(topics.enriched, 1)).filter((r) =>
      r.value?.toString().includes('"hdr-ok"'),
    );
    expect(enriched.map((r) => r.headers.traceparent)).toEqual([headers.traceparent]);
    const dead = (await readTopic(topics.dlq, 1)).filter((r) =>
      r.value?.toString().includes('hdr-bad'),
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]?.headers).toMatchObject({
      traceparent: headers.traceparent,
      'sluice.source.topic': topics.raw,
    });
  }, 120_000);
  it('dead-letters a record near the 1 MB limit cut to its bound, saying how long it was', async () => {
    const worker = startWorker('w4');
    await worker.waitForLog(/running/);
    // 998,500 random bytes (compression cannot shrink them): a Kafka record close to the 1 MB a
    // record may have, not an event. Its dead letter adds headers, so it is cut to stay under
    // the 900 KB bound (a record over the topic's limit would fail its transaction on every try).
    const huge = randomBytes(998_500);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.raw, messages: [{ key: 's-huge', value: huge }] });
    await producer.disconnect();
    await waitFor('the huge record', async () => (await groupLag(group, topics.raw)) === 0, 60_000);
    worker.child.kill('SIGTERM');
    expect(await worker.exitCode(40_000), worker.log()).toBe(0);
    const dead = (await readTopic(topics.dlq, 1)).filter(
      (r) => r.headers['sluice.value.truncated'] !== undefined,
    );
    expect(dead.map((r) => r.headers['sluice.value.truncated'])).toEqual([String(huge.length)]);
    const kept = dead[0]?.value ?? Buffer.alloc(0);
    expect(kept.length).toBeGreaterThan(800_000);
    expect(kept.equals(huge.subarray(0, kept.length))).toBe(true);
    expect(worker.log()).not.toMatch(/transaction aborted/);
  }, 120_000);
});
