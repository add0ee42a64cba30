// One chaos scenario over the whole pipeline: start several workers per role, produce the traffic
// at a steady pace while a Disruption does its worst, stop the traffic, wait until every group
// caught up and the last windows and sessions were emitted, then read every store and compare it
// with the ground truth computed from the events alone. Returns the figures; the scenario's test
// asserts on them.
import { HLL_SPARSE_LIMIT, HLL_STANDARD_ERROR } from '@sluice/core';
import type { FixtureEvent } from '../aggregation/enriched-events.fixture.ts';
import { type WindowTruth, windowTruth } from '../aggregation/ground-truth.ts';
import { groupLag } from '../support/kafka-reader.ts';
import { waitFor } from '../support/sluice-cli.ts';
import type { ChaosRun } from './chaos-run.ts';
import type { Disruption, DisruptionOutcome } from './disruption.ts';
import {
  type AggregationBounds,
  type ExpectedStores,
  expectedStores,
  lateInTruth,
} from './expected-stores.ts';
import { compareCounts, compareIds, printFigures, type StoreFigures } from './figures.ts';
import {
  type AggregateTopic,
  aggregateTopic,
  archivedIds,
  type MergedWindow,
  pgEventIds,
  pgSessions,
  pgWindows,
  redisRealtime,
  searchIds,
  topicRecords,
} from './store-readers.ts';
import { generateTraffic, producePaced, type TrafficEvent } from './traffic.ts';
import {
  type Fleet,
  pipelineRoles,
  type Role,
  startFleet,
  type UnexpectedExit,
} from './worker-fleet.ts';

export interface ScenarioOptions {
  name: string;
  run: ChaosRun;
  events: number;
  seed: number;
  /** Wall-clock time the traffic is spread over. */
  trafficMs: number;
  perRole: Partial<Record<Role, number>>;
  bounds: AggregationBounds;
  disruption: Disruption;
}

export interface ScenarioReport {
  stores: StoreFigures[];
  /** Windows and sessions whose values differ from the truth (counts per key already above). */
  mismatches: string[];
  disruption: DisruptionOutcome;
  unexpectedExits: UnexpectedExit[];
  stopCodes: { role: Role; id: string; code: number | null }[];
  /** Seconds from the last produced event until every window and session was final. */
  lastEmittedS: number | null;
  text: string;
  logs: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded generator for the scenario's own choices (what to kill, when). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runPipelineScenario(o: ScenarioOptions): Promise<ScenarioReport> {
  const { run } = o;
  const { topics, groups } = run.names;
  const traffic = generateTraffic(o.events, o.seed);
  const truth = expectedStores(traffic.events, traffic.poison, o.bounds);
  // The premise of comparing windows exactly (see lateInTruth).
  if (lateInTruth(truth.windows) !== 0)
    throw new Error('the traffic has late events: widen the bounds');

  const roles = pipelineRoles(run.names);
  let fleet: Fleet | undefined;
  try {
    fleet = startFleet(roles, o.perRole, run.env);
    await fleet.ready();
    const startedAt = Date.now();
    const stop = new AbortController();
    const disruption = o.disruption.run(
      { run, fleet, roles, random: seededRandom(o.seed ^ 0x5eed), startedAt },
      stop.signal,
    );
    const lastProducedAt = await producePaced(traffic.records, topics.raw, o.trafficMs).finally(
      () => stop.abort(),
    );
    const outcome = await disruption;
    const scale = Math.max(1, o.events / 20_000);

    const lagZero =
      (group: string, ...ts: string[]) =>
      async () => {
        for (const t of ts) if ((await groupLag(group, t)) !== 0) return false;
        return true;
      };
    await waitFor(
      'enrichment to catch up',
      lagZero(groups.enrichment, topics.raw),
      180_000 * scale,
    );
    await waitFor(
      'aggregation to catch up',
      lagZero(groups.aggregation, topics.enriched),
      180_000 * scale,
    );
    // The last windows and sessions close by the idle timeout once traffic stopped.
    let lastEmittedS: number | null = null;
    let agg: AggregateTopic | undefined;
    await waitFor(
      'every window final and every session emitted',
      async () => {
        agg = await aggregateTopic(run);
        const sessions = await sessionTopic(run);
        const done = allWindowsFinal(agg.windows, truth) && truth.sessions.size === sessions.size;
        if (done) lastEmittedS = (Date.now() - lastProducedAt) / 1000;
        return done;
      },
      120_000 * scale,
    ).catch(() => undefined);
    await waitFor(
      'storage to catch up',
      lagZero(groups.storage, topics.enriched, topics.aggregates, topics.sessions),
      180_000 * scale,
    );
    // Writes still buffered (the archive flushes on its own interval) are committed only once
    // durable, so lag 0 means every store has them; the settle is for the search index refresh.
    await sleep(1000);

    const { stores, inputTruth, moved } = await readStores(run, truth, o.bounds);
    const inputLate = lateInTruth(inputTruth);
    const stored = await pgWindows(run);
    const mismatches = [
      ...compareWindows('aggregates topic', agg?.windows ?? new Map(), truth, inputTruth),
      ...compareWindows('window_aggregates', stored, truth, inputTruth),
      ...(await compareSessions(run, truth)),
    ];
    const lateAccepted = [...stored.values()].reduce((n, w) => n + w.lateAccepted, 0);
    const unexpectedExits = [...fleet.unexpectedExits];
    const stopCodes = await fleet.stopAll();
    const logs = fleet.saveLogs(run.name);
    const text = printFigures(o.name, stores, {
      'events in': `${o.events} (${traffic.events.length} valid, ${traffic.poison.length} poison), seed ${o.seed}`,
      'workers per role': Object.entries(o.perRole)
        .map(([r, n]) => `${r} ${n}`)
        .join(', '),
      ...outcome.figures,
      'last windows and sessions emitted':
        lastEmittedS === null
          ? 'not within the timeout'
          : `${(lastEmittedS as number).toFixed(1)} s after the last event`,
      'windows and sessions compared': `${truth.windows.size} windows (1m, 5m, 1h by type), ${truth.sessions.size} sessions, in the topics and in PostgreSQL`,
      'window/session mismatches': mismatches.length,
      'late-accepted in the stored windows': lateAccepted,
      'late in the ground truth over the committed input order': inputLate,
      'events whose enriched partition is not their raw partition': `${moved} of ${truth.valid.size}`,
      'partials with late-accepted events': [...(agg?.lateAcceptedPartials ?? [])]
        .slice(0, 12)
        .map(([k, n]) => `${k}=${n}`)
        .join(' '),
      'unexpected worker exits': unexpectedExits.length,
      'exit codes on SIGTERM': stopCodes.map((c) => `${c.id}=${c.code}`).join(' '),
      recoveries: outcome.recoveries
        .map(
          (r) =>
            `${r.what}@${r.atS}s→${r.recoveredMs === null ? 'never' : `${(r.recoveredMs / 1000).toFixed(1)}s`}`,
        )
        .join(', '),
      logs,
    });
    return {
      stores,
      mismatches,
      disruption: outcome,
      unexpectedExits,
      stopCodes,
      lastEmittedS,
      text,
      logs,
    };
  } catch (err) {
    if (fleet) console.log(`worker logs: ${fleet.saveLogs(run.name)}`);
    throw err;
  } finally {
    for (const s of fleet?.slots ?? [])
      if (s.worker.child.exitCode === null) s.worker.child.kill('SIGKILL');
  }
}

async function sessionTopic(
  run: ChaosRun,
  expected = 1,
): Promise<Map<string, Record<string, unknown>>> {
  const records = await topicRecords(run.names.topics.sessions, expected);
  const last = new Map<string, Record<string, unknown>>();
  for (const r of records)
    if (r.key !== null && r.value !== null) last.set(r.key, JSON.parse(r.value.toString()));
  return last;
}

function allWindowsFinal(windows: Map<string, MergedWindow>, truth: ExpectedStores): boolean {
  if (windows.size !== truth.windows.size) return false;
  for (const [key, t] of truth.windows) {
    const w = windows.get(key);
    if (!w?.final || w.count !== t.count) return false;
  }
  return true;
}

async function readStores(
  run: ChaosRun,
  truth: ExpectedStores,
  bounds: AggregationBounds,
): Promise<{ stores: StoreFigures[]; inputTruth: Map<string, WindowTruth>; moved: number }> {
  const { topics } = run.names;
  const enriched = await topicRecords(topics.enriched, truth.valid.size);
  // The aggregation's input as committed, partition by partition: which events are late there
  // depends on how the enrichment stage interleaved them, so late-accepted counts are compared
  // with this truth; counts, unique users and late drops with the production-order truth.
  const partitions = new Map<number, FixtureEvent[]>();
  for (const r of [...enriched].sort((a, b) => Number(a.offset) - Number(b.offset))) {
    const list = partitions.get(r.partition) ?? [];
    list.push(JSON.parse(r.value?.toString() ?? '{}'));
    partitions.set(r.partition, list);
  }
  const inputTruth = windowTruth([...partitions.values()], bounds);
  // Whether the enrichment stage keeps each event in its partition (the premise of per-partition
  // watermarks: events.raw and events.enriched are both keyed by session_id).
  const rawPartition = new Map<string, number>();
  for (const r of await topicRecords(topics.raw, truth.valid.size + truth.poison.length)) {
    const id = safeEventId(r.value);
    if (id !== undefined) rawPartition.set(id, r.partition);
  }
  let moved = 0;
  for (const r of enriched) {
    const id = safeEventId(r.value);
    if (id !== undefined && rawPartition.get(id) !== r.partition) moved++;
  }
  const dlq = await topicRecords(topics.dlq, truth.poison.length);
  const dlqFigures = compareIds(
    'events.dlq (poison)',
    new Set(truth.poison),
    dlq.map((r) => r.value?.toString() ?? ''),
  );
  // Every dead letter must say where and why.
  const unexplained = dlq.filter(
    (r) => r.headers['sluice.stage'] !== 'enrichment' || !r.headers['sluice.error.reason'],
  );
  dlqFigures.unexpected += unexplained.length;
  for (const r of unexplained.slice(0, 3))
    dlqFigures.sample.push(`no enrichment reason: ${JSON.stringify(r.headers).slice(0, 200)}`);

  const archive = await archivedIds(run);
  const realtime = await redisRealtime(run);
  const counts = new Map<string, number>();
  const pages = new Map<string, number>();
  const users: string[] = [];
  for (const [minute, m] of truth.realtime) {
    for (const [k, n] of m.counts) counts.set(`${minute} ${k}`, n);
    for (const [k, n] of m.pages) pages.set(`${minute} ${k}`, n);
  }
  const foundCounts = new Map<string, number>();
  const foundPages = new Map<string, number>();
  const ttlProblems: string[] = [];
  for (const [minute, m] of realtime) {
    for (const [k, n] of Object.entries(m.counts)) foundCounts.set(`${minute} ${k}`, n);
    for (const [k, n] of Object.entries(m.pages)) foundPages.set(`${minute} ${k}`, n);
    if (m.ttlS <= 0 || m.ttlS > 24 * 3600) ttlProblems.push(`${minute} ttl ${m.ttlS}`);
    const want = truth.realtime.get(minute)?.users.size ?? 0;
    // Redis's HyperLogLog: 0.81% standard error; 4σ, and ±1 where rounding dominates.
    if (Math.abs(m.users - want) > Math.max(1, 4 * 0.0081 * want))
      users.push(`${minute}: ${m.users} users, want ${want}`);
  }
  const counters = compareCounts('redis counters', counts, foundCounts);
  counters.sample.push(...ttlProblems, ...users);
  counters.unexpected += ttlProblems.length + users.length;

  const stores = [
    compareIds(
      'events.enriched',
      truth.valid,
      enriched.map(
        (r) => (JSON.parse(r.value?.toString() ?? '{}') as { event_id: string }).event_id,
      ),
    ),
    dlqFigures,
    compareIds('postgresql events', truth.timescale, await pgEventIds(run)),
    compareIds('search errors', truth.search, await searchIds(run)),
    compareIds(`s3 archive (${archive.objects} objects)`, truth.valid, archive.ids),
    counters,
    compareCounts('redis top pages', pages, foundPages),
  ];
  return { stores, inputTruth, moved };
}

function safeEventId(value: Buffer | null): string | undefined {
  try {
    const id = (JSON.parse(value?.toString() ?? '') as { event_id?: unknown }).event_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function compareWindows(
  where: string,
  found: Map<string, MergedWindow>,
  truth: ExpectedStores,
  inputTruth: Map<string, WindowTruth>,
): string[] {
  const out: string[] = [];
  for (const [key, t] of truth.windows) {
    const w = found.get(key);
    if (!w) {
      out.push(`${where} ${key}: missing`);
      continue;
    }
    const lateAccepted = inputTruth.get(key)?.lateAccepted ?? 0;
    if (w.count !== t.count || w.lateDropped !== 0 || w.lateAccepted !== lateAccepted)
      out.push(
        `${where} ${key}: count ${w.count} (want ${t.count}), late_accepted ${w.lateAccepted} (want ${lateAccepted}), late_dropped ${w.lateDropped} (want 0)`,
      );
    const users = w.sketch.estimate();
    const exact = t.users.size <= HLL_SPARSE_LIMIT;
    const tolerance = exact ? 0 : 4 * HLL_STANDARD_ERROR * t.users.size;
    if (Math.abs(users - t.users.size) > tolerance)
      out.push(
        `${where} ${key}: unique users ${users} (want ${t.users.size}${exact ? ', exact' : ''})`,
      );
  }
  for (const key of found.keys())
    if (!truth.windows.has(key)) out.push(`${where} ${key}: unexpected`);
  return out;
}

async function compareSessions(run: ChaosRun, truth: ExpectedStores): Promise<string[]> {
  const out: string[] = [];
  const check = (where: string, rows: Iterable<Record<string, unknown>>) => {
    const byId = new Map<string, Record<string, unknown>[]>();
    for (const r of rows)
      byId.set(String(r.session_id), [...(byId.get(String(r.session_id)) ?? []), r]);
    for (const [id, want] of truth.sessions) {
      const got = byId.get(id) ?? [];
      if (got.length !== 1) {
        out.push(`${where} session ${id}: ${got.length} rows`);
        continue;
      }
      const g = got[0] as Record<string, unknown>;
      const diff = (Object.keys(want) as (keyof typeof want)[]).filter((k) => g[k] !== want[k]);
      if (diff.length > 0)
        out.push(
          `${where} session ${id}: ${diff.map((k) => `${k} ${String(g[k])} (want ${String(want[k])})`).join(', ')}`,
        );
    }
    for (const id of byId.keys())
      if (!truth.sessions.has(id)) out.push(`${where} session ${id}: unexpected`);
  };
  check('sessions topic', (await sessionTopic(run, truth.sessions.size)).values());
  check('sessions table', (await pgSessions(run)) as unknown as Record<string, unknown>[]);
  return out;
}

export type { TrafficEvent };
