// `sluice bench`: throughput, CPU, memory and latency of the real workers on this machine, with
// the machine, versions and settings printed beside the figures. Stages (`--stage`, all by
// default): raw-consume, enrichment, aggregation, storage (per sink and all), pipeline, latency,
// and when named, enrichment:platformatic (the enrichment stage on a candidate Kafka client);
// what each measures is in docs/performance.md. `--quick` is CI's smoke run (small, no
// threshold). Everything a run creates is removed at its end, and on Ctrl-C.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import {
  type BenchContext,
  type BenchSettings,
  createBenchContext,
} from '../bench/bench-context.ts';
import { BENCH_DISTRIBUTIONS } from '../bench/bench-data.ts';
import { type BenchRow, benchResult, formatResults } from '../bench/bench-result.ts';
import { createScratch } from '../bench/bench-scratch.ts';
import { type CpuProfile, topSelfFrames } from '../bench/cpu-profile-summary.ts';
import { runEnrichmentCandidateChild } from '../bench/enrichment-candidate-child.ts';
import { findLocalBrokers, loadAverage, machineInfo } from '../bench/machine-info.ts';
import { KNOWN_STAGES, planStages, type StorageVariant } from '../bench/stage-plan.ts';
import { benchAggregation } from '../bench/stages/aggregation.ts';
import { benchEnrichment } from '../bench/stages/enrichment.ts';
import { benchLatency } from '../bench/stages/latency.ts';
import { benchPipeline } from '../bench/stages/pipeline.ts';
import { benchRawConsume, consumeAndParse } from '../bench/stages/raw-consume.ts';
import { brokerList, childProcessEnv, type Env, loadEnv } from '../env.ts';
import { stderrProgress } from '../progress.ts';
import { benchStorage } from '../storage/storage-bench.ts';

function count(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return n;
  };
}

function stageList(v: string): string[] {
  const list = v.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !KNOWN_STAGES.includes(s));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown stage ${unknown.join(', ')}; one of ${KNOWN_STAGES.join(', ')}`,
    );
  return list;
}

interface BenchOptions {
  stage?: string[];
  events?: number;
  rate: number;
  duration?: number;
  timeout: number;
  quick?: boolean;
  json?: boolean;
  cpuProf?: string;
}

async function runStage(ctx: BenchContext, stage: string, storage: StorageVariant[]) {
  switch (stage) {
    case 'raw-consume':
      return benchRawConsume(ctx);
    case 'enrichment':
      return benchEnrichment(ctx);
    case 'enrichment:platformatic':
      return benchEnrichment(ctx, 'platformatic');
    case 'aggregation':
      return benchAggregation(ctx);
    case 'storage':
      return benchStorage(ctx, storage);
    case 'pipeline':
      return benchPipeline(ctx);
    default:
      return benchLatency(ctx);
  }
}

/** The settings the workers run with, as they will read them. */
function settingsLines(env: Env, s: BenchSettings): string[] {
  return [
    `topics: ${env.TOPIC_PARTITIONS} partitions, replication ${env.TOPIC_REPLICATION_FACTOR ?? "the cluster's default"}`,
    `enrichment: batch ${env.ENRICH_MAX_BATCH}, commit interval ${env.STAGE_COMMIT_INTERVAL_MS} ms; GeoIP cache ${env.GEOIP_CACHE_SIZE}, UA cache ${env.UA_CACHE_SIZE}`,
    `aggregation: batch ${env.AGG_MAX_BATCH}, commit interval ${env.AGG_COMMIT_INTERVAL_MS} ms, windows ${env.AGG_WINDOWS}, idle timeout ${env.AGG_IDLE_TIMEOUT}, session gap ${env.AGG_SESSION_GAP}`,
    `storage: batch ${env.STORAGE_MAX_BATCH} / ${env.STORAGE_FLUSH_MS} ms, archive ${env.STORAGE_ARCHIVE_MAX_BATCH} / ${env.STORAGE_ARCHIVE_FLUSH_MS} ms, commit interval ${env.STORAGE_COMMIT_INTERVAL_MS} ms`,
    `data: ${s.events.toLocaleString('en-US')} preloaded events per stage; ${BENCH_DISTRIBUTIONS.users.toLocaleString('en-US')} Zipf users, ${BENCH_DISTRIBUTIONS.pages.toLocaleString('en-US')} Zipf pages, an address per session from ${BENCH_DISTRIBUTIONS.ips.toLocaleString('en-US')}, ${BENCH_DISTRIBUTIONS.userAgents.toLocaleString('en-US')} user agents, ${BENCH_DISTRIBUTIONS.malformedRate * 100}% malformed`,
    `latency: ${s.rate.toLocaleString('en-US')} events/s for ${s.durationS} s`,
  ];
}

/** Runs the stages one after the other; a stage that fails is a row, and the run goes on. */
async function runStages(
  ctx: BenchContext,
  plan: { stages: string[]; storage: StorageVariant[] },
  interrupted: () => boolean,
): Promise<{ rows: BenchRow[]; failure: Error | undefined }> {
  const rows: BenchRow[] = [];
  let failure: Error | undefined;
  try {
    for (const stage of plan.stages) {
      if (interrupted()) break;
      ctx.progress(`stage ${stage}`);
      let measured: Awaited<ReturnType<typeof runStage>>;
      try {
        measured = await runStage(ctx, stage, plan.storage);
      } catch (err) {
        // A stage that cannot finish is a result too (a worker that died is a finding).
        await ctx.stopWorkers();
        const message = (err as Error).message;
        rows.push({ stage, error: message, load_avg: loadAverage() });
        ctx.progress(`${stage}: FAILED: ${message}`);
        failure ??= new Error(`stage ${stage} failed (see above)`);
        continue;
      }
      for (const m of measured) {
        const row = benchResult(m, loadAverage());
        rows.push(row);
        ctx.progress(
          `${row.stage}: ${row.events_per_sec.toLocaleString('en-US')} events/s, ${row.cpu_ms_per_1k_events} CPU ms/1k events, peak RSS ${row.peak_rss_mb} MB (load ${row.load_avg.join(' ')})`,
        );
      }
    }
    const p = ctx.dataProfile();
    if (p)
      ctx.progress(
        `data as generated: ${p.events} events, ${p.malformed} malformed, ${p.distinct_ips} distinct IPs, ${p.user_agents} user agents, ${p.users} users, ${p.sessions} sessions`,
      );
  } catch (err) {
    failure = err as Error;
  } finally {
    await ctx.stopWorkers();
    ctx.progress(`removing what this run created; the workers' logs stay in ${ctx.logDir}`);
    for (const f of await ctx.scratch.cleanup()) ctx.progress(`not removed: ${f}`);
  }
  return { rows, failure };
}

async function runBench(opts: BenchOptions): Promise<void> {
  const env = loadEnv();
  const quick = opts.quick === true;
  const settings: BenchSettings = {
    events: opts.events ?? (quick ? 10_000 : 300_000),
    rate: opts.rate,
    durationS: opts.duration ?? (quick ? 3 : 60),
    timeoutS: opts.timeout,
    quick,
    nodeArgs: opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.cpuProf)}`] : [],
    // A quick run's archive writes its objects after 1 s rather than 5 s: the smoke run
    // stays short; its figures are not the ones to quote.
    workerEnv: quick ? { STORAGE_ARCHIVE_FLUSH_MS: '1000' } : {},
  };
  const workerEnv = loadEnv(childProcessEnv(settings.workerEnv));
  const progress = stderrProgress();
  const brokers = findLocalBrokers(brokerList(env));
  const m = machineInfo(brokers);
  const header = [
    `machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB; load average ${loadAverage().join(' ')}`,
    `versions: Node ${m.node}; ${m.kafkaClient}; Kafka ${m.kafka}`,
    ...settingsLines(workerEnv, settings),
  ].join('\n');
  (opts.json ? process.stderr : process.stdout).write(`${header}\n`);

  const scratch = createScratch(env);
  const ctx = createBenchContext({
    env,
    settings,
    scratch,
    progress,
    brokerPids: brokers.map((b) => b.pid),
  });
  // The first signal stops the workers and lets the run wind down through its own clean-up
  // (no stage starts after it); a second one removes what was created at once and exits.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      progress(`${signal} again: removing what this run created now`);
      void scratch.cleanup().finally(() => process.exit(130));
      return;
    }
    interrupted = signal;
    progress(`${signal}: stopping the workers; what this run created is removed next`);
    void ctx.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { rows, failure } = await runStages(
    ctx,
    planStages(opts.stage, quick),
    () => !!interrupted,
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else process.stdout.write(formatResults(rows));
  if (opts.cpuProf) printProfiles(resolve(opts.cpuProf), ctx.workerNames());
  if (interrupted) process.exit(130);
  if (failure) {
    process.stderr.write(`sluice bench: ${failure.message}\n`);
    process.exit(1);
  }
  process.exit(0);
}

function printProfiles(dir: string, workers: ReadonlyMap<number, string>): void {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
    const who = workers.get(Number(file.split('.')[3])) ?? 'not a worker of this run';
    process.stderr.write(`${file} (${who}): top self time\n`);
    for (const f of topSelfFrames(profile, 12))
      process.stderr.write(
        `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs} ms  ${f.frame}\n`,
      );
  }
}

export function registerBenchCommands(program: Command): Command {
  const bench = program
    .command('bench')
    .description(
      'measure the real workers: events/s, CPU ms per 1,000 events, peak RSS, latency (see docs/performance.md)',
    )
    .option(
      '--stage <list>',
      `comma-separated, of ${KNOWN_STAGES.join(', ')} (default: all)`,
      stageList,
    )
    .option(
      '--events <n>',
      'events preloaded per stage (default 300,000; quick: 10,000)',
      count('--events'),
    )
    .option('--rate <n>', 'latency stage: events per second', count('--rate'), 5000)
    .option(
      '--duration <s>',
      'latency stage: seconds at that rate (default 60; quick: 3)',
      count('--duration'),
    )
    .option('--timeout <s>', 'longest a stage may take', count('--timeout'), 900)
    .option('--quick', 'a small smoke run (what CI runs; no threshold)')
    .option('--json', 'print the results as a JSON array (machine and settings go to stderr)')
    .option(
      '--cpu-prof <dir>',
      'profile the workers (node --cpu-prof) into <dir> and print their top frames',
    )
    .action((opts: BenchOptions) => runBench(opts));

  bench
    .command('raw-consume-child', { hidden: true })
    .description('the raw-consume stage in its own process (run by `sluice bench`)')
    .requiredOption('--topic <name>')
    .requiredOption('--group <name>')
    // Names of their own: the parent's --events and --timeout would take them otherwise.
    .requiredOption('--records <n>', 'events to consume', count('--records'))
    .option('--within <s>', 'give up after', count('--within'), 900)
    .action(async (o: { topic: string; group: string; records: number; within: number }) => {
      const env = loadEnv();
      const report = await consumeAndParse({
        brokers: brokerList(env),
        topic: o.topic,
        group: o.group,
        events: o.records,
        maxBatch: env.ENRICH_MAX_BATCH,
        timeoutMs: o.within * 1000,
      });
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(0);
    });

  bench
    .command('enrichment-candidate-child', { hidden: true })
    .description('the enrichment stage on the candidate client (run by `sluice bench`)')
    .requiredOption('--worker-id <id>')
    .action(async (o: { workerId: string }) => {
      await runEnrichmentCandidateChild(o.workerId);
      process.exit(0);
    });
  return bench;
}
