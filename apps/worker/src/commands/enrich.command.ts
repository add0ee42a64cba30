// `sluice enrich`: NDJSON events on stdin → enriched NDJSON on stdout, DLQ records (JSON with the
// envelope) to --dlq FILE or stderr, a summary on stderr. The same pipeline as the worker, for
// testing data and for backfills. Exit 0 once the input was read to the end, whatever it held.
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { type RawMessage, toDlqJsonLine } from '@sluice/core';
import type { Command } from 'commander';
import { setupEnrichment } from '../enrichment/enrichment-setup.ts';
import { loadEnv } from '../env.ts';

const BATCH = 2000;

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise((r) => stream.once('drain', r));
}

export function registerEnrichCommand(program: Command): void {
  program
    .command('enrich')
    .description('enrich NDJSON events from stdin to stdout (invalid ones become DLQ records)')
    .option('--dlq <file>', 'write DLQ records (one JSON object per line) here instead of stderr')
    .option('--geoip <file>', 'GeoIP2/GeoLite2 City database (default: GEOIP_CITY_DB)')
    .action(async (opts: { dlq?: string; geoip?: string }) => {
      const env = loadEnv();
      const { pipeline, geo } = setupEnrichment(
        env,
        opts.geoip ? { geoipPath: opts.geoip, workerId: 'cli' } : { workerId: 'cli' },
      );
      const dlqOut: Writable = opts.dlq ? createWriteStream(opts.dlq) : process.stderr;
      const totals = { read: 0, enriched: 0, dlq: 0 };
      const reasons = new Map<string, number>();
      let batch: RawMessage[] = [];

      const flush = async () => {
        if (batch.length === 0) return;
        const result = await pipeline.process(batch);
        batch = [];
        totals.enriched += result.enriched.length;
        totals.dlq += result.dlq.length;
        for (const [r, n] of result.dlqReasons) reasons.set(r, (reasons.get(r) ?? 0) + n);
        if (result.enriched.length > 0)
          await write(process.stdout, `${result.enriched.map((r) => r.value).join('\n')}\n`);
        if (result.dlq.length > 0)
          await write(dlqOut, `${result.dlq.map(toDlqJsonLine).join('\n')}\n`);
      };

      const now = String(Date.now());
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        batch.push({
          key: null,
          value: Buffer.from(line),
          topic: 'stdin',
          partition: 0,
          offset: String(totals.read),
          timestamp: now,
        });
        totals.read++;
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      geo.close();
      if (dlqOut !== process.stderr) await new Promise<void>((r) => dlqOut.end(() => r()));
      const why = [...reasons].map(([r, n]) => `${r}=${n}`).join(', ');
      process.stderr.write(
        `enrich: ${totals.read} read, ${totals.enriched} enriched, ${totals.dlq} to DLQ${why ? ` (${why})` : ''}\n`,
      );
    });
}
