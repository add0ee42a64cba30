// Disruption: the storage sinks' services go away one after another while traffic flows, each
// brought back (and the storage lag recovered) before the next. Per outage it records, from the
// stores and the processes rather than from what the workers say about themselves:
// - the other sinks kept flowing: each one's stored count grew while the service was away;
// - the outage was met by a failed write (the storage workers' log says `sink <name>: write of
//   N failed`), so it tested the retry path and not merely a pause;
// - the storage group's lag: before, at its peak, and how long after the return it took to fall
//   back to its level before the outage;
// - memory: the storage workers' resident set (/proc) before and at its peak, and the records
//   the down sink held at most (the workers' own gauge, scraped from /metrics).
import { groupLag } from '../support/kafka-reader.ts';
import type { ChaosRun } from './chaos-run.ts';
import type { Disruption, DisruptionContext, Recovery } from './disruption.ts';
import {
  type FoundStack,
  freeze,
  residentSet,
  type SinkService,
  start,
  stop,
  thaw,
} from './stack-services.ts';
import { archivedKeys } from './store-readers.ts';
import { restartExited, type Slot } from './worker-fleet.ts';

export type SinkName = 'timescaledb' | 'elasticsearch' | 'redis' | 's3';

export interface Outage {
  service: SinkService;
  sink: SinkName;
  /** `stop` with this signal, or `freeze` (SIGSTOP … SIGCONT). */
  how: { stop: NodeJS.Signals } | 'freeze';
}

export interface SinkOutageOptions {
  stack: FoundStack;
  outages: Outage[];
  /** The first outage this long after traffic started. */
  firstAtMs: number;
  /** How long each service stays away. */
  outageMs: number;
  /** Steady time between one outage's recovery and the next outage. */
  gapMs: number;
  /** How long to wait for the lag to recover before going on regardless. */
  recoveryTimeoutMs: number;
}

export interface OutageResult {
  outage: Outage;
  atS: number;
  /** From the service being gone (stopped or frozen) until it answered again. */
  awayMs: number;
  /** Whether traffic still flowed when the service came back. */
  duringTraffic: boolean;
  failedWrites: number;
  /** The other sinks' stored counts when the service went and just before it came back. */
  others: { sink: SinkName; before: number | null; after: number | null }[];
  lagBefore: number;
  lagPeak: number;
  /** Lag at or under this counts as recovered. */
  lagThreshold: number;
  recoveredMs: number | null;
  /** Per storage worker: resident set before the outage and its peak until recovered, bytes. */
  rss: { id: string; before: number; peak: number }[];
  /** Most records the down sink held in one worker, and most partitions it paused. */
  pendingPeak: number;
  pausedPeak: number;
  restartOutput?: string;
}

interface Sample {
  at: number;
  lag: number | null;
  rss: Map<string, number>;
  pending: Map<string, Map<SinkName, number>>;
  paused: Map<string, Map<SinkName, number>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const MB = 1024 * 1024;
const fmtMs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** A read that gives up (null) rather than hang on a service that is away. */
const bounded = <T>(p: Promise<T>, ms = 10_000): Promise<T | null> =>
  Promise.race([p.catch(() => null), sleep(ms).then(() => null)]);

/** What each sink holds by now, read from the store itself. */
const storedCount: Record<SinkName, (run: ChaosRun) => Promise<number>> = {
  timescaledb: async (run) =>
    Number(
      (await run.db.query(`SELECT count(*) AS n FROM "${run.schema}".events`)).rows[0]?.n ?? 0,
    ),
  elasticsearch: async (run) =>
    (await run.search.count({ index: run.index, ignore_unavailable: true })).count,
  redis: async (run) => {
    let total = 0;
    let cursor = '0';
    do {
      const [next, keys] = await run.redis.scan(
        cursor,
        'MATCH',
        `${run.redisPrefix}rt:count:*`,
        'COUNT',
        1000,
      );
      for (const k of keys) total += Number((await run.redis.hget(k, '_all')) ?? 0);
      cursor = next;
    } while (cursor !== '0');
    return total;
  },
  s3: async (run) => (await archivedKeys(run)).length,
};

const SINKS = Object.keys(storedCount) as SinkName[];

async function scrape(port: number) {
  const pending = new Map<SinkName, number>();
  const paused = new Map<SinkName, number>();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(2000),
  });
  for (const line of (await res.text()).split('\n')) {
    const m = /^sluice_storage_(pending_records|paused_partitions)\{sink="(\w+)"[^}]*\} (\d+)/.exec(
      line,
    );
    if (m) (m[1] === 'pending_records' ? pending : paused).set(m[2] as SinkName, Number(m[3]));
  }
  return { pending, paused };
}

const failedWrites = (log: string, sink: SinkName) =>
  log.match(new RegExp(`sink ${sink}: write of \\d+ failed`, 'g'))?.length ?? 0;

export interface SinkOutages extends Disruption {
  readonly results: OutageResult[];
}

export function sinkOutages(o: SinkOutageOptions): SinkOutages {
  const results: OutageResult[] = [];
  return {
    name: 'sink outages',
    results,
    async run(ctx: DisruptionContext, signal: AbortSignal) {
      const { run } = ctx;
      const { topics, groups } = run.names;
      const storage = () => ctx.fleet.slots.filter((s) => s.role === 'storage');
      const metricsPort = (s: Slot) => Number(/metrics on :(\d+)/.exec(s.worker.log())?.[1]);
      const samples: Sample[] = [];
      let sampling = true;
      // One sample a second for the whole run: lag, resident sets, sink gauges.
      const sampler = (async () => {
        while (sampling) {
          const at = Date.now();
          const lags = await bounded(
            Promise.all(
              [topics.enriched, topics.aggregates, topics.sessions].map((t) =>
                groupLag(groups.storage, t),
              ),
            ),
          );
          const s: Sample = {
            at,
            lag: lags ? lags.reduce((a, b) => a + b, 0) : null,
            rss: new Map(),
            pending: new Map(),
            paused: new Map(),
          };
          for (const slot of storage()) {
            const pid = slot.worker.child.pid;
            const r = pid === undefined ? undefined : residentSet(pid);
            if (r) s.rss.set(slot.id, r.rss);
            const m = await bounded(scrape(metricsPort(slot)), 2000);
            if (m) {
              s.pending.set(slot.id, m.pending);
              s.paused.set(slot.id, m.paused);
            }
          }
          samples.push(s);
          await sleep(at + 1000 - Date.now());
        }
      })();
      const since = (t: number) => samples.filter((s) => s.at >= t);
      const lastLag = () => samples.findLast((s) => s.lag !== null)?.lag ?? null;
      const recoveries: Recovery[] = [];
      const figures: Record<string, string | number> = {};
      // A worker that dies of an outage is restarted, as an orchestrator would, so the stores can
      // still be checked; the test fails on its exit all the same.
      const supervisor = restartExited(ctx.fleet, ctx.startedAt);
      try {
        let next = ctx.startedAt + o.firstAtMs;
        for (const outage of o.outages) {
          await sleep(next - Date.now());
          const steady = since(Date.now() - 5000).flatMap((s) => (s.lag === null ? [] : [s.lag]));
          // The median of the last seconds: the level the lag must come back to.
          const lagBefore = steady.length
            ? (steady.sort((a, b) => a - b)[Math.floor(steady.length / 2)] as number)
            : (lastLag() ?? 0);
          const lagThreshold = Math.max(2 * lagBefore, 300);
          const rssBefore = new Map(
            storage().map((s) => [s.id, residentSet(s.worker.child.pid ?? 0)?.rss ?? 0]),
          );
          const logMarks = new Map(storage().map((s) => [s.id, s.worker.log().length]));
          const svc = o.stack.services[outage.service];
          const others = SINKS.filter((k) => k !== outage.sink);
          const r: OutageResult = {
            outage,
            atS: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
            awayMs: 0,
            duringTraffic: false,
            failedWrites: 0,
            others: [],
            lagBefore,
            lagPeak: lagBefore,
            lagThreshold,
            recoveredMs: null,
            rss: [],
            pendingPeak: 0,
            pausedPeak: 0,
          };
          results.push(r);
          const recovery: Recovery = {
            what: `${outage.how === 'freeze' ? 'freeze' : 'stop'} ${outage.service}`,
            atS: r.atS,
            recoveredMs: null,
          };
          recoveries.push(recovery);

          if (outage.how === 'freeze') freeze(svc);
          else await stop(svc, outage.how.stop);
          const awayAt = Date.now();
          const before = await Promise.all(others.map((k) => bounded(storedCount[k](run))));
          await sleep(awayAt + o.outageMs - Date.now());
          const after = await Promise.all(others.map((k) => bounded(storedCount[k](run))));
          r.others = others.map((sink, i) => ({
            sink,
            before: before[i] ?? null,
            after: after[i] ?? null,
          }));
          r.duringTraffic = !signal.aborted;
          if (outage.how === 'freeze') thaw(svc);
          else r.restartOutput = await start(svc);
          const backAt = Date.now();
          r.awayMs = backAt - awayAt;

          // Recovered at the first sample after the return whose lag is back at its level
          // before the outage.
          const deadline = backAt + o.recoveryTimeoutMs;
          while (r.recoveredMs === null && Date.now() < deadline) {
            const back = since(backAt + 1).find((s) => s.lag !== null && s.lag <= lagThreshold);
            if (back) r.recoveredMs = back.at - backAt;
            else await sleep(500);
          }
          recovery.recoveredMs = r.recoveredMs;
          const window = since(awayAt);
          r.lagPeak = Math.max(
            lagBefore,
            ...window.flatMap((s) => (s.lag === null ? [] : [s.lag])),
          );
          r.rss = storage().map((s) => ({
            id: s.id,
            before: rssBefore.get(s.id) ?? 0,
            peak: Math.max(0, ...window.map((w) => w.rss.get(s.id) ?? 0)),
          }));
          for (const w of window)
            for (const slot of storage()) {
              r.pendingPeak = Math.max(
                r.pendingPeak,
                w.pending.get(slot.id)?.get(outage.sink) ?? 0,
              );
              r.pausedPeak = Math.max(r.pausedPeak, w.paused.get(slot.id)?.get(outage.sink) ?? 0);
            }
          // A worker restarted meanwhile has a new log: count all of it then.
          r.failedWrites = storage().reduce(
            (n, s) => n + failedWrites(s.worker.log().slice(logMarks.get(s.id) ?? 0), outage.sink),
            0,
          );
          recovery.detail = `away ${fmtMs(r.awayMs)}, ${r.failedWrites} failed writes`;
          figures[
            `outage ${outage.service} (${outage.how === 'freeze' ? 'SIGSTOP' : outage.how.stop})`
          ] = describe(r);
          next = Date.now() + o.gapMs;
        }
      } finally {
        sampling = false;
        await sampler;
      }
      const peaks = storage().map((s) => {
        const r = residentSet(s.worker.child.pid ?? 0);
        return `${s.id} ${r ? (r.peak / MB).toFixed(0) : '?'} MB`;
      });
      figures['storage workers peak RSS over the run (VmHWM)'] = peaks.join(', ');
      figures['workers restarted after exiting by themselves'] =
        supervisor.restarted.join(' ') || 'none';
      return { recoveries, figures };
    },
  };
}

function describe(r: OutageResult): string {
  const others = r.others.map((x) => `${x.sink} ${x.before ?? '?'}→${x.after ?? '?'}`).join(', ');
  const rss = r.rss
    .map((x) => `${x.id} ${(x.before / MB).toFixed(0)}→${(x.peak / MB).toFixed(0)} MB`)
    .join(', ');
  return [
    `at ${r.atS} s, away ${fmtMs(r.awayMs)}${r.duringTraffic ? '' : ' (traffic had stopped)'}`,
    `${r.failedWrites} failed writes of ${r.outage.sink}`,
    `others grew: ${others}`,
    `storage lag ${r.lagBefore} before, ${r.lagPeak} at peak, back under ${r.lagThreshold} ${fmtMs(r.recoveredMs)} after the return`,
    `${r.outage.sink} held at most ${r.pendingPeak} records per worker, paused up to ${r.pausedPeak} partitions`,
    `RSS ${rss}`,
  ].join('; ');
}
