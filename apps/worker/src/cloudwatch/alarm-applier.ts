// `sluice alarms apply|list` against CloudWatch: upsert the configured alarms, delete the ones
// with our prefix that are no longer configured, list what is there.
import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmsConfig } from '@sluice/core';
import { staleAlarms, toPutMetricAlarm } from './alarm-definitions.ts';
import { chunk } from './lag-metric-data.ts';

export interface ApplyResult {
  upserted: string[];
  deleted: string[];
}

export async function listAlarms(client: CloudWatchClient, prefix: string): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ['MetricAlarm'],
        NextToken,
      }),
    );
    alarms.push(...(page.MetricAlarms ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return alarms;
}

export async function applyAlarms(
  client: CloudWatchClient,
  config: AlarmsConfig,
): Promise<ApplyResult> {
  const upserted: string[] = [];
  for (const rule of config.alarms) {
    const input = toPutMetricAlarm(config, rule);
    await client.send(new PutMetricAlarmCommand(input));
    upserted.push(input.AlarmName as string);
  }
  const existing = (await listAlarms(client, config.prefix)).map((a) => a.AlarmName ?? '');
  const deleted = staleAlarms(config, existing);
  // DeleteAlarms takes at most 100 names per request.
  for (const names of chunk(deleted, 100)) {
    await client.send(new DeleteAlarmsCommand({ AlarmNames: names }));
  }
  return { upserted, deleted };
}
