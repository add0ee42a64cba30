// `sluice aggregate`: NDJSON events (raw or enriched) on stdin → one JSON line per window result
// on stdout (a later line for the same window supersedes an earlier one); end of input closes
// every window. Events later than their window's retention (--retention, AGG_RETENTION) find
// its state gone: they are reported in correction lines (with a `correction` number and only
// `late_dropped`), which ADD to their window's late_dropped. The same partition pipeline as
// `sluice worker aggregation`, with all input as partition 0 and the wall clock never consulted,
// so the output depends on the input alone. Also registers `sluice bench aggregate`.
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { aggregatorConfig } from '../aggregation/aggregation-config.ts';
import { type BatchResult, createPartitionPipeline } from '../aggregation/aggregation-pipeline.ts';
import { loadEnv } from '../env.ts';

const BATCH = 2000;

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise((r) => stream.once('drain', r));
}

interface AggregateOptions {
  windows?: string;
  dimensions?: string;
  maxOutOfOrder?: string;
  allowedLateness?: string;
  latePolicy?: string;
  sessionGap?: string;
  retention?: string;
  sessions?: boolean;
}

export function registerAggregateCommand(program: Command): void {
  program
    .command('aggregate')
    .description('event-time window aggregates of NDJSON events on stdin, one JSON line per result')
    .option('--windows <sizes>', 'tumbling window sizes (default: AGG_WINDOWS, 1m,5m,1h)')
    .option('--dimensions <list>', "extra dimensions: '', country, device_type")
    .option('--max-out-of-order <d>', 'watermark lag behind the highest event time (e.g. 30s)')
    .option('--allowed-lateness <d>', 'how late an event may still update its window (e.g. 0s)')
    .option('--late-policy <p>', 'beyond the lateness: drop or reaggregate')
    .option('--session-gap <d>', 'session inactivity gap (default 30m)')
    .option(
      '--retention <d>',
      'how long past its lateness a window stays in memory (default AGG_RETENTION, 1h); later drops print as correction lines',
    )
    .option('--sessions', 'also print closed sessions (lines with a session_id)')
    .action(async (opts: AggregateOptions) => {
      const config = aggregatorConfig(loadEnv(), {
        ...opts,
        // Nothing is idle on stdin; end of input closes everything instead.
        idleTimeout: '0s',
      });
      const pipeline = createPartitionPipeline(
        0,
        { ...config, idleTimeoutMs: Number.MAX_SAFE_INTEGER },
        0,
      );
      const totals = { read: 0, invalid: 0, late: 0, expired: 0, windows: 0, evicted: 0 };
      let batch: string[] = [];
      const emit = async (r: BatchResult) => {
        totals.invalid += r.outcomes.get('invalid') ?? 0;
        totals.late += r.late.length;
        totals.expired += r.outcomes.get('expired') ?? 0;
        totals.windows += r.windows.length;
        if (r.evicted > 0 && totals.evicted === 0)
          process.stderr.write(
            'aggregate: ERROR state cap AGG_MAX_STATE_ENTRIES reached: the oldest windows/sessions close early (raise it, or lower AGG_RETENTION)\n',
          );
        totals.evicted += r.evicted;
        const lines = r.windows.map((w) => JSON.stringify(w.record));
        for (const c of r.corrections) lines.push(JSON.stringify(c.record));
        if (opts.sessions) for (const s of r.sessions) lines.push(JSON.stringify(s));
        if (lines.length > 0) await write(process.stdout, `${lines.join('\n')}\n`);
      };
      const flush = async () => {
        if (batch.length === 0) return;
        const r = pipeline.process(
          batch.map((value) => ({ key: null, value })),
          0,
        );
        batch = [];
        await emit(r);
      };
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        batch.push(line);
        totals.read++;
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      await emit(pipeline.closeAll());
      process.stderr.write(
        `aggregate: ${totals.read} read, ${totals.invalid} invalid, ${totals.late} dropped late${totals.expired > 0 ? ` (${totals.expired} past retention, in correction lines)` : ''}, ${totals.windows} window results${totals.evicted > 0 ? `, ${totals.evicted} closed early by the state cap` : ''}\n`,
      );
      // Results closed early are not the answer the user asked for: fail the command.
      if (totals.evicted > 0) process.exitCode = 1;
    });
}
