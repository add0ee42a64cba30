// What every benchmark stage is given: config, the run's scratch namespace, the preloaded data
// (made once, on first use), the workers it starts (stopped on Ctrl-C) and the broker's pid for
// its CPU. A stage returns what it measured; bench.command.ts turns that into result rows.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics } from '@sluice/kafka';
import { brokerList, type Env } from '../env.ts';
import { type PipelineNames, pipelineNames, pipelineTopics } from '../kafka/topics.ts';
import type { Progress } from '../progress.ts';
import {
  type BenchRecord,
  createPreloader,
  type DataProfile,
  enrichInProcess,
  generateRaw,
  geoipDatabase,
  type Preloader,
  type RawData,
} from './bench-data.ts';
import type { Measurement } from './bench-result.ts';
import type { Scratch } from './bench-scratch.ts';
import { loadAverage } from './machine-info.ts';
import { type ProcessUsage, tryReadUsage } from './proc-usage.ts';
import { startWorker, type WorkerProcess } from './worker-process.ts';

export interface BenchSettings {
  /** Events preloaded for each throughput stage. */
  events: number;
  /** Latency stage: events per second and for how long. */
  rate: number;
  durationS: number;
  /** Longest a stage may take before it fails. */
  timeoutS: number;
  quick: boolean;
  /** Extra node options for the workers (the profiler's). */
  nodeArgs: string[];
  /** Environment the workers get beyond the run's own names (quick-run settings). */
  workerEnv: Record<string, string>;
}

export interface BenchContext {
  env: Env;
  settings: BenchSettings;
  scratch: Scratch;
  progress: Progress;
  geoip(): string;
  raw(): RawData;
  /** What the generated events are like, once they were made. */
  dataProfile(): DataProfile | undefined;
  enriched(): Promise<BenchRecord[]>;
  preloader(): Promise<Preloader>;
  /** Topics of one part of the run, created. */
  topics(part: string): Promise<PipelineNames & { prefix: string }>;
  startWorker(
    role: string,
    part: string,
    env: Record<string, string>,
    args?: (workerId: string) => string[],
  ): WorkerProcess;
  /** Stops every worker still running (the end of a stage). */
  stopWorkers(): Promise<void>;
  /** Every worker started in this run: pid → `<part>/<role>` (to name profiles). */
  workerNames(): ReadonlyMap<number, string>;
  /** Ctrl-C: stops the workers, and no topic or worker is created after it. */
  interrupt(): Promise<void>;
  /** The broker processes of the configured cluster on this machine (none: not measured). */
  brokerPids: number[];
  /** Where the workers' logs go, one file per worker (kept after the run). */
  logDir: string;
}

export type BenchStage = (ctx: BenchContext) => Promise<Measurement[]>;

export function createBenchContext(o: {
  env: Env;
  settings: BenchSettings;
  scratch: Scratch;
  progress: Progress;
  brokerPids: number[];
}): BenchContext {
  const logDir = join(tmpdir(), `sluice-${o.scratch.id}`);
  mkdirSync(logDir, { recursive: true });
  let raw: RawData | undefined;
  let enriched: Promise<BenchRecord[]> | undefined;
  let preloader: Promise<Preloader> | undefined;
  let geoip: string | undefined;
  const workers = new Set<WorkerProcess>();
  const names = new Map<number, string>();
  let interrupted = false;
  const refuseIfInterrupted = () => {
    if (interrupted) throw new Error('interrupted');
  };
  const ctx: BenchContext = {
    ...o,
    logDir,
    geoip: () => {
      geoip ??= geoipDatabase(o.env, o.progress);
      return geoip;
    },
    raw() {
      if (!raw) {
        o.progress(`generating ${o.settings.events.toLocaleString('en-US')} raw events`);
        raw = generateRaw(o.settings.events, 13);
      }
      return raw;
    },
    dataProfile: () => raw?.profile,
    enriched() {
      enriched ??= (async () => {
        const r = ctx.raw();
        o.progress('enriching them in this process for the downstream stages');
        return enrichInProcess(o.env, ctx.geoip(), r.records);
      })();
      return enriched;
    },
    preloader() {
      if (!preloader) {
        const p = createPreloader(o.env);
        preloader = p;
        o.scratch.defer('preload producer', async () => (await p).close());
      }
      return preloader;
    },
    async topics(part) {
      refuseIfInterrupted();
      const prefix = o.scratch.topicPrefix(part);
      const names = pipelineNames(prefix);
      await ensureTopics(
        createKafka({ brokers: brokerList(o.env), clientId: 'sluice-bench-topics' }),
        pipelineTopics(o.env.TOPIC_PARTITIONS, o.env.TOPIC_REPLICATION_FACTOR, names.topics),
      );
      return { ...names, prefix };
    },
    startWorker(role, part, env, args) {
      refuseIfInterrupted();
      const workerId = `${o.scratch.id}-${part}-${role}`;
      const w = startWorker(role, {
        env: { ...o.settings.workerEnv, ...env },
        workerId,
        logFile: join(logDir, `${part}-${role}.log`),
        nodeArgs: o.settings.nodeArgs,
        ...(args ? { args: args(workerId) } : {}),
      });
      workers.add(w);
      names.set(w.pid, `${part}/${role}`);
      return w;
    },
    workerNames: () => names,
    async interrupt() {
      interrupted = true;
      await ctx.stopWorkers();
    },
    async stopWorkers() {
      const all = [...workers];
      workers.clear();
      await Promise.all(all.map((w) => w.stop()));
    },
  };
  return ctx;
}

/** CPU and peak RSS of a stage's workers (and the brokers' CPU) between two readings. */
export function usageWindow(workers: readonly WorkerProcess[], brokerPids: readonly number[]) {
  const read = () => {
    const brokers = brokerPids.map((pid) => tryReadUsage(pid));
    return {
      workers: workers.map((w) => w.usage()),
      // Only when every broker could be read (none restarted meanwhile).
      broker:
        brokers.length > 0 && brokers.every((b) => b !== undefined)
          ? { cpuMs: brokers.reduce((n, b) => n + (b?.cpuMs ?? 0), 0), peakRssMb: 0, rssMb: 0 }
          : undefined,
    };
  };
  let start: { workers: ProcessUsage[]; broker: ProcessUsage | undefined } | undefined;
  let end: typeof start;
  let loadAvg: [number, number, number] | undefined;
  return {
    start() {
      start = read();
    },
    end() {
      end = read();
      loadAvg = loadAverage();
    },
    figures(): Pick<Measurement, 'cpuMs' | 'peakRssMb' | 'endRssMb' | 'brokerCpuMs' | 'loadAvg'> {
      if (!start || !end) throw new Error('usage window not closed');
      const cpuMs: Record<string, number> = {};
      const peakRssMb: Record<string, number> = {};
      const endRssMb: Record<string, number> = {};
      workers.forEach((w, i) => {
        cpuMs[w.role] = (end?.workers[i]?.cpuMs ?? 0) - (start?.workers[i]?.cpuMs ?? 0);
        peakRssMb[w.role] = end?.workers[i]?.peakRssMb ?? 0;
        endRssMb[w.role] = end?.workers[i]?.rssMb ?? 0;
      });
      const brokerCpuMs =
        start.broker && end.broker ? end.broker.cpuMs - start.broker.cpuMs : undefined;
      return { cpuMs, peakRssMb, endRssMb, brokerCpuMs, loadAvg };
    },
  };
}
