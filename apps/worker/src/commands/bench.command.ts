// `sluice bench <stage>`: throughput figures, measured, with the machine they were measured on.
// Benchmarks live here, not in timed unit tests.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { RawMessage } from '@sluice/core';
import { createKafka, createProducer, ensureTopics } from '@sluice/kafka';
import type { Command } from 'commander';
import { setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { brokerList, childProcessEnv, loadEnv } from '../env.ts';
import { pipelineNames, pipelineTopics } from '../kafka/topics.ts';
import { createEventGenerator } from '../produce/event-generator.ts';
import { stderrProgress } from '../progress.ts';
import { findRepoRoot } from '../stack/stack-paths.ts';

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function rawBatch(n: number, seed: number): RawMessage[] {
  const next = createEventGenerator({
    seed,
    startTime: Date.parse('2026-11-27T10:00:00Z'),
    malformedRate: 0.005,
  });
  return Array.from({ length: n }, (_, i) => {
    const r = next();
    return {
      key: Buffer.from(r.key),
      value: Buffer.from(r.value),
      topic: 'bench',
      partition: 0,
      offset: String(i),
      timestamp: '0',
    };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerBenchCommands(program: Command): Command {
  const bench = program
    .command('bench')
    .description('measure throughput (report the machine with the number)');

  bench
    .command('enrich')
    .description('events/s of the enrichment pipeline alone, and of the worker against the broker')
    .option('--events <n>', 'events per measurement', Number, 200_000)
    .option('--no-worker', 'skip the measurement against the broker')
    .action(async (opts: { events: number; worker: boolean }) => {
      const env = loadEnv();
      const progress = stderrProgress();
      const { pipeline, geo } = setupEnrichment(env, { workerId: 'bench' });
      process.stdout.write(`machine: ${machineLine()}\n`);

      // 1. The pipeline alone: parse, validate, Geo-IP, user agent, serialise; batches of 2,000.
      const events = rawBatch(opts.events, 1);
      const warm = events.slice(0, 20_000);
      for (let i = 0; i < warm.length; i += 2000) await pipeline.process(warm.slice(i, i + 2000));
      const t0 = process.hrtime.bigint();
      let out = 0;
      for (let i = 0; i < events.length; i += 2000) {
        const r = await pipeline.process(events.slice(i, i + 2000));
        out += r.enriched.length + r.dlq.length;
      }
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(
        `enrich pipeline (pure, one process): ${Math.round(opts.events / secs)} events/s (${out} outputs in ${secs.toFixed(2)}s)\n`,
      );
      geo.close();
      if (!opts.worker) return;

      // 2. The worker process against the broker, transactions on: produce first, then time the
      // worker from its first commit until its group has no lag.
      const prefix = `bench-${Date.now().toString(36)}.`;
      const names = pipelineNames(prefix);
      const kafka = createKafka({ brokers: brokerList(env), clientId: 'sluice-bench' });
      await ensureTopics(
        kafka,
        pipelineTopics(env.TOPIC_PARTITIONS, env.TOPIC_REPLICATION_FACTOR ?? 1, names.topics),
      );
      const producer = createProducer(kafka);
      await producer.connect();
      const gen = createEventGenerator({ seed: 2, startTime: Date.now(), malformedRate: 0.005 });
      for (let sent = 0; sent < opts.events; sent += 10_000) {
        const messages = Array.from({ length: Math.min(10_000, opts.events - sent) }, () => {
          const r = gen();
          return { key: r.key, value: r.value };
        });
        await producer.send({ topic: names.topics.raw, messages });
      }
      await producer.disconnect();
      progress(`produced ${opts.events} events to ${names.topics.raw}; starting the worker`);

      const admin = kafka.admin();
      await admin.connect();
      const lag = async () => {
        const ends = await admin.fetchTopicOffsets(names.topics.raw);
        const committed = await admin.fetchOffsets({
          groupId: names.groups.enrichment,
          topics: [names.topics.raw],
        });
        const c = new Map(
          committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? [],
        );
        return ends.reduce((s, p) => s + Number(p.high) - Math.max(0, c.get(p.partition) ?? 0), 0);
      };
      const bin = join(findRepoRoot(), 'apps', 'worker', 'bin', 'sluice.mjs');
      const worker = spawn(
        process.execPath,
        [bin, 'worker', 'enrichment', '--metrics-port', '0', '--worker-id', 'bench'],
        {
          env: childProcessEnv({ SLUICE_TOPIC_PREFIX: prefix }),
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      let first = 0;
      let startLag = opts.events;
      for (;;) {
        const l = await lag();
        if (first === 0 && l < opts.events) {
          first = Date.now();
          startLag = l;
        }
        if (l === 0) break;
        if (worker.exitCode !== null) throw new Error('the worker exited during the benchmark');
        await sleep(100);
      }
      const wsecs = (Date.now() - first) / 1000;
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
      process.stdout.write(
        `enrich worker (one process, transactions on, ${env.TOPIC_PARTITIONS} partitions, batch ${env.ENRICH_MAX_BATCH}): ${Math.round(startLag / wsecs)} events/s (${startLag} events after its first commit in ${wsecs.toFixed(2)}s)\n`,
      );
      await admin.deleteTopics({ topics: Object.values(names.topics) });
      await admin.disconnect();
    });
  return bench;
}
