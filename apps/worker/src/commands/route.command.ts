// `sluice route --explain`: which stores each event would be written to, and by which rules.
// Reads NDJSON events on stdin and prints one JSON line per event, so a rules change can be
// checked against real traffic before it is deployed.
import { createInterface } from 'node:readline';
import { createEventRouter } from '@sluice/core';
import type { Command } from 'commander';
import { loadEnv } from '../env.ts';
import { loadRoutingConfig } from '../storage/routing-file.ts';

export function registerRouteCommand(program: Command): void {
  program
    .command('route')
    .description('explain the storage routing of NDJSON events read on stdin')
    .requiredOption('--explain', 'print {event_id, destinations, rules} for each event')
    .option(
      '--config <file>',
      'routing rules (default: STORAGE_ROUTING_CONFIG or the built-in table)',
    )
    .action(async (opts: { config?: string }) => {
      const env = loadEnv();
      const route = createEventRouter(loadRoutingConfig(opts.config ?? env.STORAGE_ROUTING_CONFIG));
      let line = 0;
      let bad = 0;
      for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        line++;
        if (text.trim() === '') continue;
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(text);
          if (event === null || typeof event !== 'object' || Array.isArray(event))
            throw new Error('not a JSON object');
        } catch (err) {
          bad++;
          process.stderr.write(`line ${line}: ${(err as Error).message}\n`);
          continue;
        }
        const d = route(event);
        process.stdout.write(
          `${JSON.stringify({ event_id: event.event_id ?? null, destinations: d.destinations, rules: d.rules })}\n`,
        );
      }
      if (bad > 0) process.exitCode = 1;
    });
}
