// The `sluice` command line: one program for the local stack, the workers and the tools.
import { MigrationError } from '@sluice/db';
import { Command } from 'commander';
import { registerAggregateCommand } from './commands/aggregate.command.ts';
import { registerAlarmsCommands } from './commands/alarms.command.ts';
import { registerBenchCommands } from './commands/bench.command.ts';
import { registerDevCommand } from './commands/dev.command.ts';
import { registerDlqCommands } from './commands/dlq.command.ts';
import { registerEnrichCommand } from './commands/enrich.command.ts';
import { registerGeoipCommands } from './commands/geoip.command.ts';
import { registerLagCommand } from './commands/lag.command.ts';
import { registerMigrateCommand } from './commands/migrate.command.ts';
import { registerProduceCommand } from './commands/produce.command.ts';
import { registerRouteCommand } from './commands/route.command.ts';
import { registerRoutingCommands } from './commands/routing.command.ts';
import { registerStackCommands } from './commands/stack.command.ts';
import { registerStageCommands } from './commands/stage.command.ts';
import { registerTopicsCommands } from './commands/topics.command.ts';
import { registerTraceCommand } from './commands/trace.command.ts';
import { registerUsersCommand } from './commands/users.command.ts';
import { registerWorkerCommands } from './commands/worker.command.ts';
import { GeoDatabaseError } from './enrichment/geoip-database.ts';
import { ConfigError } from './env.ts';
import { StackError } from './stack/service.ts';
import { UsageError } from './usage-error.ts';

const program = new Command('sluice')
  .description('Sluice: stream processing for web-analytics events on Kafka')
  .version('0.1.0')
  .showHelpAfterError();

registerStackCommands(program);
registerDevCommand(program);
registerMigrateCommand(program);
registerProduceCommand(program);
registerUsersCommand(program);
registerEnrichCommand(program);
registerWorkerCommands(program);
registerGeoipCommands(program);
registerTopicsCommands(program);
registerLagCommand(program);
registerStageCommands(program);
registerDlqCommands(program);
registerAlarmsCommands(program);
registerBenchCommands(program);
registerAggregateCommand(program);
registerRouteCommand(program);
registerRoutingCommands(program);
registerTraceCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (bad config, a missing prerequisite, a service that will not start)
  // print their message alone; anything else is a bug and keeps its stack.
  if (
    err instanceof ConfigError ||
    err instanceof StackError ||
    err instanceof GeoDatabaseError ||
    err instanceof MigrationError ||
    err instanceof UsageError
  ) {
    process.stderr.write(`sluice: ${err.message}\n`);
  } else {
    process.stderr.write(
      `sluice: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exitCode = 1;
}
