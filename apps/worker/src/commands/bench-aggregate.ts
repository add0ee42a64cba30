// `sluice bench aggregate`: events/s of the pure aggregation (parse + windows + sessions +
// drain with changelog encoding) in one process, on events generated in memory beforehand so
// neither generation nor Kafka is measured.
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { aggregatorConfig } from '../aggregation/aggregation-config.ts';
import { createPartitionPipeline } from '../aggregation/aggregation-pipeline.ts';
import { loadEnv } from '../env.ts';
import { createEventGenerator } from '../produce/event-generator.ts';

export function registerBenchAggregateCommand(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('measure the throughput of a stage in one process');
  bench
    .command('aggregate')
    .description('events/s of window + session aggregation in one process (no Kafka)')
    .option('--events <n>', 'events to aggregate', Number, 1_000_000)
    .option('--batch <n>', 'events per batch (a drain per batch, as the worker does)', Number, 2000)
    .option('--partitions <n>', 'input partitions to spread the events over', Number, 12)
    .action((opts: { events: number; batch: number; partitions: number }) => {
      const config = aggregatorConfig(loadEnv());
      const generate = createEventGenerator({
        seed: 7,
        startTime: Date.UTC(2026, 0, 1),
        malformedRate: 0,
      });
      // Enriched-shaped lines: timestamp_ms set, as events.enriched carries it.
      const lines: string[] = [];
      for (let i = 0; i < opts.events; i++) {
        const ev = JSON.parse(generate().value);
        const ms = typeof ev.timestamp === 'number' ? ev.timestamp : Date.parse(ev.timestamp);
        ev.timestamp_ms = ms;
        ev.timestamp = new Date(ms).toISOString();
        ev.geo = { country_code: 'GB' };
        ev.ua = { device_type: 'desktop' };
        lines.push(JSON.stringify(ev));
      }
      const pipelines = Array.from({ length: opts.partitions }, (_, p) =>
        createPartitionPipeline(p, config, 0),
      );
      const started = performance.now();
      let windows = 0;
      for (let i = 0; i < lines.length; i += opts.batch) {
        const p = (i / opts.batch) % opts.partitions;
        const r = pipelines[p]?.process(
          lines.slice(i, i + opts.batch).map((value) => ({ key: null, value })),
          0,
          String(i),
        );
        windows += r?.windows.length ?? 0;
      }
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${JSON.stringify({
          events: opts.events,
          seconds: Number(seconds.toFixed(3)),
          events_per_second: Math.round(opts.events / seconds),
          windows_emitted: windows,
          state_entries: pipelines.reduce((n, p) => n + p.aggregator.stateSize(), 0),
          windows_config: config.windows.map((w) => w.name).join(','),
        })}\n`,
      );
    });
}
