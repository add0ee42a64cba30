// `sluice stage`: a stage's state from the control channel (running, paused, stopped) and how to
// change it: `status`, `pause`, `resume`, `stop`. The workers apply a change within a second or
// two (between batches), and a worker that starts later reads it before it joins its group.
import { userInfo } from 'node:os';
import {
  describeStageControl,
  pipelineNames,
  type StageControl,
  type StageState,
  stageControlSchema,
} from '@sluice/core';
import { createKafka, publishStageControl, readStageControls } from '@sluice/kafka';
import type { Command } from 'commander';
import { brokerList, loadEnv } from '../env.ts';
import { UsageError } from '../usage-error.ts';

const ACTIONS: Record<string, StageState> = { pause: 'paused', resume: 'running', stop: 'stopped' };

function stageGroup(stage: string, prefix: string): string {
  const { stages } = pipelineNames(prefix);
  const found = stages.find((s) => s.stage === stage);
  if (!found)
    throw new UsageError(
      `unknown stage "${stage}": one of ${stages.map((s) => s.stage).join(', ')}`,
    );
  return found.group;
}

export function registerStageCommands(program: Command): void {
  const stage = program
    .command('stage')
    .description('pause, resume or stop a stage through the control channel, and show its state');

  stage
    .command('status')
    .description("each stage's state, who set it and when, and its group's members")
    .option('--json', 'one JSON object per stage')
    .action(async (opts: { json?: boolean }) => {
      const env = loadEnv();
      const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
      const controls = await readStageControls({
        brokers: brokerList(env),
        clientId: 'sluice-stage-status',
        topic: names.topics.control,
      });
      const admin = createKafka({ brokers: brokerList(env), clientId: 'sluice-stage' }).admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups(names.stages.map((s) => s.group));
        const members = new Map(groups.map((g) => [g.groupId, g.members.length]));
        const rows = names.stages.map((s) => {
          const c = controls.get(s.group);
          return {
            stage: s.stage,
            group: s.group,
            state: c?.state ?? 'running',
            by: c?.by ?? null,
            at: c?.at ?? null,
            reason: c?.reason ?? null,
            members: members.get(s.group) ?? 0,
          };
        });
        if (opts.json) {
          for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const line = (cells: string[]) =>
          `${cells[0]?.padEnd(12)}${cells[1]?.padEnd(9)}${cells[2]?.padStart(7)}  ${cells[3]}\n`;
        process.stdout.write(line(['stage', 'state', 'members', 'set']));
        for (const r of rows) {
          const c = controls.get(r.group);
          process.stdout.write(
            line([
              r.stage,
              r.state,
              String(r.members),
              c ? describeStageControl(c) : '(never set)',
            ]),
          );
        }
      } finally {
        await admin.disconnect();
      }
    });

  for (const [action, state] of Object.entries(ACTIONS)) {
    stage
      .command(`${action} <stage>`)
      .description(
        {
          pause: 'stop fetching; the members keep their partitions, lag grows',
          resume: 'run the stage again (after a pause or a stop)',
          stop: 'the members leave the group but stay alive and ready (offsets may then be reset)',
        }[action] ?? action,
      )
      .option('--reason <text>', 'why, shown with the state (up to 500 characters)')
      .option('--by <who>', 'who sets it (default: this machine user, as cli:<user>)')
      .action(async (name: string, opts: { reason?: string; by?: string }) => {
        const env = loadEnv();
        const names = pipelineNames(env.SLUICE_TOPIC_PREFIX);
        const group = stageGroup(name, env.SLUICE_TOPIC_PREFIX);
        const parsed = stageControlSchema.safeParse({
          state,
          by: opts.by ?? `cli:${userInfo().username}`,
          at: new Date().toISOString(),
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        if (!parsed.success)
          throw new UsageError(
            parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '),
          );
        const control: StageControl = parsed.data;
        const kafka = createKafka({ brokers: brokerList(env), clientId: 'sluice-stage' });
        await publishStageControl(kafka, names.topics.control, group, control);
        process.stderr.write(`${name} (${group}): ${describeStageControl(control)}\n`);
      });
  }
}
