// Chaos: hostile input. A property-based corpus of malformed and adversarial raw events
// (hostile-corpus.ts) goes to events.raw and through the real enrichment worker, run as users run
// it. The worker must not crash (still running at the end, exit 0 on SIGTERM); every record must
// come out exactly once, either enriched with its fields intact or dead-lettered with a reason,
// its original bytes and its source position (records in = enriched + dead letters, matched
// record by record); and its memory must stay bounded: the resident set after a second round of
// the corpus is not above the first's by more than a margin, whatever the input weighed.
//
// Short by default (2 rounds of 1,500 cases); CHAOS_LONG=1 runs 4 rounds of 4,000.
import { readFileSync } from 'node:fs';
import { createProducer } from '@sluice/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupLag, kafka, readTopic } from '../support/kafka-reader.ts';
import { startSluice, type Worker, waitFor } from '../support/sluice-cli.ts';
import { createChaosRun } from './chaos-run.ts';
import { type HostileCase, hostileCorpus } from './hostile-corpus.ts';
import { generateTraffic } from './traffic.ts';

const long = process.env.CHAOS_LONG === '1';
const ROUNDS = long ? 4 : 2;
const CASES = Number(process.env.CHAOS_HOSTILE_CASES ?? (long ? 4_000 : 1_500));
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
/** Growth of the resident set allowed from the first corpus round to the last. */
const RSS_GROWTH_LIMIT_MB = 64;

const run = createChaosRun('hostile', { TOPIC_PARTITIONS: '4', ENRICH_MAX_BATCH: '200' });
let worker: Worker | undefined;

beforeAll(() => run.setUp(), 180_000);
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await run.cleanUp();
}, 120_000);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function produce(records: { key: string; value: Buffer | string }[]) {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 200)
      await producer.send({ topic: run.names.topics.raw, messages: records.slice(i, i + 200) });
  } finally {
    await producer.disconnect();
  }
}

const caughtUp = () =>
  waitFor(
    'the enrichment worker to consume everything',
    async () => (await groupLag(run.names.groups.enrichment, run.names.topics.raw)) === 0,
    180_000,
  );

/** The documented top-level fields of an enriched event (the raw ones plus enrichment's). */
const RAW_FIELDS = [
  'event_id',
  'type',
  'user_id',
  'session_id',
  'url',
  'referrer',
  'ip',
  'user_agent',
  'message',
  'stack',
];
const GEO_STATUSES = new Set(['ok', 'private', 'reserved', 'invalid', 'not_found', 'missing']);

/** How the enriched event must read, from the raw text alone; a list of what differs. */
function enrichedProblems(raw: Record<string, unknown>, out: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const f of RAW_FIELDS)
    if (Object.hasOwn(raw, f) && out[f] !== raw[f])
      problems.push(`${f}: ${JSON.stringify(out[f])}`);
  const ms = typeof raw.timestamp === 'number' ? raw.timestamp : Date.parse(String(raw.timestamp));
  if (out.timestamp_ms !== ms || out.timestamp !== new Date(ms).toISOString())
    problems.push(`timestamp ${out.timestamp} (${out.timestamp_ms}), raw ${raw.timestamp}`);
  if (!GEO_STATUSES.has(String(out.geo_status))) problems.push(`geo_status ${out.geo_status}`);
  // No user agent (absent or empty, and no client hints): ua is null; any other is parsed.
  const ua = out.ua as { is_bot?: unknown } | null | undefined;
  const noAgent = (raw.user_agent ?? '') === '' && raw.client_hints === undefined;
  if (noAgent ? ua !== null : typeof ua?.is_bot !== 'boolean')
    problems.push(`ua ${JSON.stringify(ua)}`);
  // Properties: the raw ones, then unknown top-level fields (an explicit property wins);
  // `__proto__` is never an analytics field.
  const props = (out.properties ?? {}) as Record<string, unknown>;
  const rawProps = (raw.properties ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(rawProps))
    if (k !== '__proto__' && JSON.stringify(props[k]) !== JSON.stringify(rawProps[k]))
      problems.push(`properties.${k}`);
  for (const k of Object.keys(raw))
    if (
      !RAW_FIELDS.includes(k) &&
      !['timestamp', 'properties', '__proto__', 'client_hints'].includes(k)
    )
      if (!Object.hasOwn(rawProps, k) && JSON.stringify(props[k]) !== JSON.stringify(raw[k]))
        problems.push(`unknown field ${k} not kept in properties`);
  return problems;
}

describe('chaos: hostile input', () => {
  it(
    `enriches or dead-letters every hostile record exactly once, without crashing or growing (${ROUNDS} × ${CASES})`,
    async () => {
      const { topics } = run.names;
      worker = startSluice(
        ['worker', 'enrichment', '--metrics-port', '0', '--worker-id', 'hostile'],
        run.env,
      );
      await worker.waitForLog(/running; metrics on/, 90_000);
      const pid = worker.child.pid as number;

      // Warm-up on ordinary traffic: the GeoIP and user-agent caches and the JIT settle first.
      const warm = generateTraffic(2_000, SEED, 0);
      await produce(warm.records);
      await caughtUp();
      const rss = [rssMb(pid)];

      const cases: HostileCase[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const corpus = hostileCorpus(CASES, SEED + round, `h${round}`);
        cases.push(...corpus);
        await produce(corpus.map((c) => ({ key: c.key, value: c.value })));
        await caughtUp();
        rss.push(rssMb(pid));
      }
      expect(worker.child.exitCode).toBeNull();
      expect(worker.log()).not.toMatch(/cannot go on|could not start/);
      worker.child.kill('SIGTERM');
      const code = await worker.exited;

      // Every raw record, the enriched events and the dead letters, as committed.
      const total = warm.records.length + cases.length;
      const raw = await readTopic(topics.raw, total, { timeoutMs: 90_000 });
      const enriched = await readTopic(topics.enriched, warm.events.length, { settleMs: 3_000 });
      const dlq = await readTopic(topics.dlq, 1, { settleMs: 3_000 });

      const rawAt = new Map(raw.map((r) => [`${r.partition}/${r.offset}`, r]));
      const caseByBytes = new Map<string, HostileCase[]>();
      for (const c of cases) {
        const k = c.value.toString('base64');
        caseByBytes.set(k, [...(caseByBytes.get(k) ?? []), c]);
      }
      const caseById = new Map(cases.flatMap((c) => (c.eventId ? [[c.eventId, c] as const] : [])));
      const warmIds = new Set(warm.events.map((e) => e.event_id));
      /** raw position → how many outcomes it had. */
      const outcomes = new Map<string, number>();
      const positionOf = new Map<string, string>();
      for (const [at, r] of rawAt) {
        const c = caseByBytes.get(r.value?.toString('base64') ?? '');
        if (c?.length === 1 && c[0]?.eventId) positionOf.set(c[0].eventId, at);
      }
      for (const e of warm.events) positionOf.set(e.event_id, '');
      const problems: string[] = [];
      const byFamily = new Map<string, { enriched: number; dlq: number }>();
      const tally = (c: HostileCase, k: 'enriched' | 'dlq') => {
        const f = byFamily.get(c.family) ?? { enriched: 0, dlq: 0 };
        f[k]++;
        byFamily.set(c.family, f);
      };

      for (const r of enriched) {
        const out = JSON.parse(r.value?.toString() ?? '{}') as Record<string, unknown>;
        const id = String(out.event_id);
        if (warmIds.has(id)) continue;
        const c = caseById.get(id);
        const at = positionOf.get(id);
        if (!c || at === undefined) {
          problems.push(`enriched ${id}: no such case`);
          continue;
        }
        outcomes.set(at, (outcomes.get(at) ?? 0) + 1);
        tally(c, 'enriched');
        if (c.expect.outcome === 'dlq')
          problems.push(`${c.family} ${id}: enriched, expected the DLQ`);
        for (const p of enrichedProblems(JSON.parse(c.value.toString()), out))
          problems.push(`${c.family} ${id}: ${p}`);
      }
      for (const r of dlq) {
        const at = `${r.headers['sluice.source.partition']}/${r.headers['sluice.source.offset']}`;
        const source = rawAt.get(at);
        if (!source) {
          problems.push(`dead letter from ${at}: no such raw record`);
          continue;
        }
        outcomes.set(at, (outcomes.get(at) ?? 0) + 1);
        if (!(r.value ?? Buffer.alloc(0)).equals(source.value ?? Buffer.alloc(0)))
          problems.push(`dead letter from ${at}: bytes changed`);
        if ((r.key ?? '') !== (source.key ?? ''))
          problems.push(`dead letter from ${at}: key ${r.key}, raw ${source.key}`);
        const reason = r.headers['sluice.error.reason'];
        if (r.headers['sluice.stage'] !== 'enrichment' || !reason)
          problems.push(
            `dead letter from ${at}: stage ${r.headers['sluice.stage']}, reason ${reason}`,
          );
        const c = caseByBytes.get(source.value?.toString('base64') ?? '')?.[0];
        if (!c) {
          problems.push(`dead letter from ${at}: a warm-up event`);
          continue;
        }
        tally(c, 'dlq');
        if (c.expect.outcome === 'enriched')
          problems.push(
            `${c.family} ${c.eventId}: dead-lettered (${reason}: ${r.headers['sluice.error.message']}), expected enriched`,
          );
        if (c.expect.outcome === 'dlq' && c.expect.reason && c.expect.reason !== reason)
          problems.push(`${c.family} ${c.eventId}: reason ${reason}, expected ${c.expect.reason}`);
      }
      // Exactly one outcome per hostile record: in = enriched + dead letters.
      let missing = 0;
      let twice = 0;
      for (const [at, r] of rawAt) {
        if (warmIds.has(String(safeId(r.value)))) continue;
        const n = outcomes.get(at) ?? 0;
        if (n === 0) missing++;
        if (n > 1) twice++;
      }
      const enrichedN = [...byFamily.values()].reduce((n, f) => n + f.enriched, 0);
      const dlqN = [...byFamily.values()].reduce((n, f) => n + f.dlq, 0);
      const corpusMb = cases.reduce((n, c) => n + c.value.length, 0) / 1024 / 1024;
      console.log(
        [
          `── chaos: hostile input, ${ROUNDS} rounds × ${CASES} cases, seed ${SEED} ──`,
          `records in: ${cases.length} hostile (${corpusMb.toFixed(1)} MB) + ${warm.records.length} warm-up`,
          `out: ${enrichedN} enriched + ${dlqN} dead-lettered = ${enrichedN + dlqN}; without an outcome ${missing}, with two or more ${twice}`,
          ...[...byFamily].map(
            ([f, n]) => `  ${f}: ${n.enriched} enriched, ${n.dlq} dead-lettered`,
          ),
          `worker RSS: ${rss.map((m) => `${m.toFixed(0)} MB`).join(' → ')} (warm-up, then after each round)`,
          `worker still running at the end: yes; exit code on SIGTERM: ${code}`,
          `problems: ${problems.length}`,
          ...problems.slice(0, 20).map((p) => `  ${p}`),
        ].join('\n'),
      );

      expect(code).toBe(0);
      expect(problems.slice(0, 30)).toEqual([]);
      expect({ missing, twice, out: enrichedN + dlqN }).toEqual({
        missing: 0,
        twice: 0,
        out: cases.length,
      });
      // Bounded: later rounds of the same weight do not keep growing the resident set.
      const growth = (rss.at(-1) as number) - (rss[1] as number);
      expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    },
    long ? 1_200_000 : 420_000,
  );
});

function safeId(value: Buffer | null): unknown {
  try {
    return (JSON.parse(value?.toString() ?? '') as { event_id?: unknown }).event_id;
  } catch {
    return undefined;
  }
}
