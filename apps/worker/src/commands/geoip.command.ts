// `sluice geoip build-test-db`: writes a synthetic GeoIP2-City database with the project's own
// builder (MaxMind's Go writer), for tests and demos: no licensed database is ever shipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadEnv } from '../env.ts';
import { findGo } from '../stack/go-toolchain.ts';
import { StackError } from '../stack/service.ts';
import { findRepoRoot } from '../stack/stack-paths.ts';

export function buildTestGeoDb(out: string, options: { demo: boolean; buildEpoch: number }): void {
  const builder = join(findRepoRoot(), 'test', 'fixtures', 'geoip', 'mmdb-builder');
  mkdirSync(dirname(resolve(out)), { recursive: true });
  const args = ['run', '.', '-out', resolve(out), '-build-epoch', String(options.buildEpoch)];
  if (options.demo) args.push('-demo');
  const go = findGo(loadEnv());
  try {
    execFileSync(go, args, { cwd: builder, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    throw new StackError(`building the GeoIP test database failed: ${(err as Error).message}`);
  }
}

export function registerGeoipCommands(program: Command): void {
  const geoip = program.command('geoip').description('Geo-IP database tools');
  geoip
    .command('build-test-db')
    .description('write a synthetic GeoIP2-City .mmdb (known test networks, or --demo coverage)')
    .requiredOption('--out <file>', 'where to write the database')
    .option('--demo', 'map every public IPv4 /8 to one of 15 synthetic cities', false)
    .option(
      '--build-epoch <seconds>',
      'database build time (Unix seconds)',
      (v) => Number(v),
      Math.floor(Date.now() / 1000),
    )
    .action((opts: { out: string; demo: boolean; buildEpoch: number }) => {
      buildTestGeoDb(opts.out, opts);
      process.stderr.write(`wrote ${opts.out}\n`);
    });
}
