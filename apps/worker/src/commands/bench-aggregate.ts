// Was `sluice bench aggregate` (the aggregation pipeline alone, without Kafka); that is now the
// aggregation stage of `sluice bench` (bench.command.ts, bench/stages/aggregation.ts), which runs
// the real worker against the broker. Kept, doing nothing, for its call site in
// aggregate.command.ts until that goes.
import type { Command } from 'commander';

export function registerBenchAggregateCommand(_program: Command): void {}
