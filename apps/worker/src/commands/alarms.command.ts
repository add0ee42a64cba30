// `sluice alarms apply|list`: CloudWatch alarms on the lag metrics from a validated config file.
import { readFile } from 'node:fs/promises';
import { type AlarmsConfig, parseAlarmsConfig } from '@sluice/core';
import type { Command } from 'commander';
import { applyAlarms, listAlarms } from '../cloudwatch/alarm-applier.ts';
import { createCloudWatchClient } from '../cloudwatch/cloudwatch-client.ts';
import { ConfigError, loadEnv } from '../env.ts';

const DEFAULT_CONFIG = 'config/alarms.json';

export async function loadAlarmsConfig(path: string, namespace?: string): Promise<AlarmsConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`alarms config ${path}: ${(err as Error).message}`);
  }
  // The file may leave the namespace to the environment (CLOUDWATCH_NAMESPACE).
  if (namespace && raw && typeof raw === 'object' && !('namespace' in raw)) {
    raw = { ...raw, namespace };
  }
  const parsed = parseAlarmsConfig(raw);
  if (!parsed.ok) {
    throw new ConfigError(
      `alarms config ${path}:\n${parsed.issues.map((i) => `  ${i}`).join('\n')}`,
    );
  }
  return parsed.config;
}

export function registerAlarmsCommands(program: Command): void {
  const alarms = program.command('alarms').description('CloudWatch alarms on the lag metrics');

  alarms
    .command('apply')
    .description(
      'create or update the configured alarms; delete prefixed ones no longer configured',
    )
    .option('--config <file>', 'alarms config (JSON)', DEFAULT_CONFIG)
    .action(async (opts: { config: string }) => {
      const env = loadEnv();
      const config = await loadAlarmsConfig(opts.config, env.CLOUDWATCH_NAMESPACE);
      const result = await applyAlarms(createCloudWatchClient(env), config);
      for (const n of result.upserted) process.stdout.write(`upserted ${n}\n`);
      for (const n of result.deleted) process.stdout.write(`deleted  ${n}\n`);
    });

  alarms
    .command('list')
    .description('the alarms with the Sluice prefix and their state')
    .option('--prefix <p>', 'alarm name prefix', 'Sluice-')
    .option('--json', 'as JSON')
    .action(async (opts: { prefix: string; json?: boolean }) => {
      const env = loadEnv();
      const found = await listAlarms(createCloudWatchClient(env), opts.prefix);
      const rows = found.map((a) => ({
        name: a.AlarmName,
        state: a.StateValue,
        metric: a.MetricName,
        dimensions: Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name, d.Value])),
        condition: `${a.Statistic} ${a.ComparisonOperator} ${a.Threshold} for ${a.DatapointsToAlarm ?? a.EvaluationPeriods}/${a.EvaluationPeriods} x ${a.Period}s`,
        treatMissingData: a.TreatMissingData,
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.state?.padEnd(17)} ${r.name}  ${r.metric} ${JSON.stringify(r.dimensions)}  ${r.condition}  missing=${r.treatMissingData}\n`,
        );
      }
      if (rows.length === 0) process.stdout.write(`no alarms with prefix ${opts.prefix}\n`);
    });
}
