// `sluice stack up|down|status|logs`: the local stack of real services.
import { createReadStream, existsSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { loadEnv } from '../env.ts';
import { stderrProgress } from '../progress.ts';
import { prepareKafka } from '../stack/kafka-setup.ts';
import type { ServiceContext, StackOptions } from '../stack/service.ts';
import { stackServices } from '../stack/services.ts';
import { logFiles, readState, stackDown, stackStatus, stackUp } from '../stack/stack.ts';
import { stackPaths } from '../stack/stack-paths.ts';
import { migrateCommandAction } from './migrate.command.ts';

function context(options: Partial<StackOptions>, quiet = false): ServiceContext {
  const env = loadEnv();
  const paths = stackPaths(env);
  const brokers = options.brokers ?? readState({ paths })?.brokers ?? 1;
  return { env, paths, options: { brokers }, progress: stderrProgress(quiet) };
}

function parseBrokers(value: string): 1 | 3 {
  if (value === '1' || value === '3') return Number(value) as 1 | 3;
  throw new InvalidArgumentError('must be 1 or 3');
}

export function registerStackCommands(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'run the local stack natively: Kafka (KRaft), PostgreSQL, Redis, the search engine, moto (S3/CloudWatch)',
    );

  stack
    .command('up')
    .description(
      'start every service not already running, wait for health, create topics, run migrations',
    )
    .option(
      '--brokers <n>',
      'Kafka brokers: 1, or 3 for a local cluster (failover tests)',
      parseBrokers,
    )
    .option('--no-setup', 'skip topic creation and database migrations')
    .action(async (opts: { brokers?: 1 | 3; setup: boolean }) => {
      // Without --brokers: as the stack last ran (a restart after a failover test), else one.
      const ctx = context(opts.brokers ? { brokers: opts.brokers } : {});
      const t0 = Date.now();
      await stackUp(ctx, stackServices(ctx));
      if (opts.setup) {
        await prepareKafka(ctx);
        await migrateCommandAction(ctx.progress);
      }
      const statuses = await stackStatus(ctx, stackServices(ctx));
      for (const s of statuses) process.stdout.write(`${s.service.padEnd(10)} ${s.endpoint}\n`);
      ctx.progress(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });

  stack
    .command('down')
    .description('stop exactly the processes `stack up` started (by pid); data is kept')
    .action(async () => {
      const ctx = context({});
      await stackDown(ctx, stackServices(ctx));
    });

  stack
    .command('status')
    .description('show each service and whether it is healthy; exit 0 only when all are')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const ctx = context({}, true);
      const statuses = await stackStatus(ctx, stackServices(ctx));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ healthy: statuses.every((s) => s.healthy), services: statuses }, null, 2)}\n`,
        );
      } else {
        for (const s of statuses) {
          const mark = s.healthy
            ? 'healthy  '
            : s.running
              ? 'UNHEALTHY'
              : s.pids.length > 0
                ? 'DEGRADED '
                : 'DOWN     ';
          process.stdout.write(
            `${s.service.padEnd(10)} ${mark} ${s.endpoint.padEnd(45)} ${s.detail}\n`,
          );
        }
      }
      if (!statuses.every((s) => s.healthy)) process.exitCode = 1;
    });

  stack
    .command('logs')
    .description("print a service's log")
    .argument('<service>', 'postgres, redis, moto, kafka or search')
    .action(async (service: string) => {
      const ctx = context({}, true);
      for (const file of logFiles(ctx, stackServices(ctx), service)) {
        if (!existsSync(file)) continue;
        process.stdout.write(`==> ${file} <==\n`);
        await new Promise<void>((resolve, reject) => {
          createReadStream(file)
            .on('end', resolve)
            .on('error', reject)
            .pipe(process.stdout, { end: false });
        });
      }
    });
}
