// `sluice stage`: a stage's state from the control channel (running, paused, stopped) and how to
// change it: `status`, `pause`, `resume`, `stop`. The workers apply a change within a second or
// two (between batches), and a worker that starts later reads it before it joins its group.
import { userInfo } from 'node:os';
import {
  controlledStages,
  describeStageCondition,
  describeStageControl,
  groupPhaseOf,
  pipelineNames,
  planOffsetReset,
  type ResetTarget,
  resetTargetOf,
  type StageControl,
  type StageState,
  stageControlSchema,
} from '@sluice/core';
import {
  commitGroupOffsets,
  createKafka,
  GroupNotEmptyError,
  groupStateName,
  publishStageControl,
  readGroupOffsets,
  readStageControls,
} from '@sluice/kafka';
import type { Command } from 'commander';
import { brokerList, loadEnv } from '../env.ts';
import { UsageError } from '../usage-error.ts';

const ACTIONS: Record<string, StageState> = { pause: 'paused', resume: 'running', stop: 'stopped' };

function findStage(stage: string, prefix: string) {
  const stages = controlledStages(pipelineNames(prefix));
  const found = stages.find((s) => s.command === stage);
  if (!found)
    throw new UsageError(
      `unknown stage "${stage}": one of ${stages.map((s) => s.command).join(', ')}`,
    );
  return found;
}

const stageGroup = (stage: string, prefix: string) => findStage(stage, prefix).group;

interface ResetOptions {
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffsets?: string;
  topic?: string[];
  execute?: boolean;
  confirm?: string;
  json?: boolean;
}

function resetTarget(o: ResetOptions, topics: readonly string[]): ResetTarget {
  const given = [o.toEarliest, o.toLatest, o.toDatetime, o.toOffsets].filter(
    (v) => v !== undefined && v !== false,
  );
  if (given.length !== 1)
    throw new UsageError(
      'give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offsets',
    );
  try {
    return resetTargetOf(
      o.toEarliest
        ? { kind: 'earliest' }
        : o.toLatest
          ? { kind: 'latest' }
          : o.toDatetime !== undefined
            ? { kind: 'timestamp', at: o.toDatetime }
            : { kind: 'offsets', spec: o.toOffsets ?? '' },
      topics,
    );
  } catch (err) {
    throw new UsageError(
      `${o.toDatetime !== undefined ? '--to-datetime' : '--to-offsets'}: ${(err as Error).message}`,
    );
  }
}

export function registerStageCommands(program: Command): void {
  const stage = program
    .command('stage')
    .description('pause, resume or stop a stage through the control channel, and show its state');

  stage
    .command('status')
    .description(
      "each stage's state, who set it and when, its group's members, and what the group is doing (rebalancing, empty, dead)",
    )
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
        const stages = controlledStages(names);
        const { groups } = await admin.describeGroups(stages.map((s) => s.group));
        const described = new Map(groups.map((g) => [g.groupId, g]));
        const rows = stages.map((s) => {
          const c = controls.get(s.group);
          const g = described.get(s.group);
          const state = c?.state ?? 'running';
          // A group the broker could not describe is in a phase this command cannot know.
          const phase = g && !g.error ? groupPhaseOf(groupStateName(g.state)) : 'unknown';
          return {
            stage: s.command,
            group: s.group,
            state,
            by: c?.by ?? null,
            at: c?.at ?? null,
            reason: c?.reason ?? null,
            members: g?.members.length ?? 0,
            phase,
            /** The console's text: the control state with what the group adds to it. */
            condition: describeStageCondition(state, phase),
          };
        });
        if (opts.json) {
          for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const line = (cells: string[]) =>
          `${cells[0]?.padEnd(12)}${cells[1]?.padEnd(40)}${cells[2]?.padStart(7)}  ${cells[3]}\n`;
        process.stdout.write(line(['stage', 'condition', 'members', 'set']));
        for (const r of rows) {
          const c = controls.get(r.group);
          process.stdout.write(
            line([
              r.stage,
              r.condition,
              String(r.members),
              c ? describeStageControl(c) : '(never set)',
            ]),
          );
        }
      } finally {
        await admin.disconnect();
      }
    });

  stage
    .command('reset <stage>')
    .description(
      "move a stopped stage's committed offsets: shows the plan (per partition: now, new, read again, skipped) and applies it only with --execute --confirm <group>",
    )
    .option('--to-earliest', 'the start of each partition: everything kept is read again')
    .option('--to-latest', 'the end of each partition: the backlog is skipped')
    .option('--to-datetime <iso>', 'the first record at or after this time')
    .option(
      '--to-offsets <spec>',
      'explicit: partition=offset or topic:partition=offset, comma-separated',
    )
    .option('--topic <topic...>', "only these of the stage's input topics")
    .option('--execute', 'apply the plan (needs --confirm)')
    .option('--confirm <group>', 'the consumer group name, typed out, to apply')
    .option('--json', 'the plan as JSON')
    .action(async (name: string, opts: ResetOptions) => {
      const env = loadEnv();
      const s = findStage(name, env.SLUICE_TOPIC_PREFIX);
      const topics = opts.topic ?? [...s.inputs];
      for (const t of topics)
        if (!s.inputs.includes(t))
          throw new UsageError(`--topic ${t}: not an input of ${name} (${s.inputs.join(', ')})`);
      const target = resetTarget(opts, topics);
      const kafka = createKafka({ brokers: brokerList(env), clientId: 'sluice-stage-reset' });
      const plan = planOffsetReset(await readGroupOffsets(kafka, s.group, topics, target), target);
      if (opts.json) process.stdout.write(`${JSON.stringify({ group: s.group, ...plan })}\n`);
      else {
        const line = (c: string[]) =>
          `${c[0]?.padEnd(40)}${c[1]?.padStart(12)}${c[2]?.padStart(12)}${c[3]?.padStart(12)}${c[4]?.padStart(12)}\n`;
        process.stdout.write(line(['partition', 'now', 'new', 'read again', 'skipped']));
        for (const r of plan.rows)
          process.stdout.write(
            line([
              `${r.topic}[${r.partition}]`,
              r.current === null ? 'none' : String(r.current),
              String(r.next),
              String(r.reprocess),
              String(r.skip),
            ]),
          );
        process.stdout.write(line(['total', '', '', String(plan.reprocess), String(plan.skip)]));
      }
      if (name === 'aggregation' && (plan.reprocess > 0 || plan.skip > 0))
        process.stderr.write(
          'note: the aggregation keeps its window and session state (its changelog) across a reset: events it has counted are not counted again when read again, and events skipped are left out of the windows\n',
        );
      if (plan.errors.length > 0) throw new UsageError(plan.errors.join('; '));
      if (!opts.execute) {
        process.stderr.write(
          `dry run: nothing changed; to apply, add --execute --confirm ${s.group}\n`,
        );
        return;
      }
      if (opts.confirm !== s.group)
        throw new UsageError(`--confirm must be the group name, ${s.group}, typed out`);
      try {
        await commitGroupOffsets(kafka, brokerList(env), s.group, plan.rows);
      } catch (err) {
        if (err instanceof GroupNotEmptyError)
          throw new UsageError(`${err.message} (sluice stage stop ${name})`);
        throw err;
      }
      process.stderr.write(
        `${s.group}: offsets reset on ${plan.rows.length} partitions (${plan.reprocess} to read again, ${plan.skip} skipped); resume the stage with: sluice stage resume ${name}\n`,
      );
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
