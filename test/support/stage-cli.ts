// `sluice stage …` as the suites drive it: a stage's row of `stage status --json`, and a stop
// that returns once the broker shows the stage's group without members (the step before a reset).
import { groupMembers } from './kafka-reader.ts';
import { sluiceOk, waitFor } from './sluice-cli.ts';

export interface StageStatusRow {
  stage: string;
  group: string;
  state: string;
  by: string | null;
  at: string | null;
  reason: string | null;
  members: number;
  phase: string;
  condition: string;
}

/** The stage's row of `sluice stage status --json`; fails if the command has none for it. */
export async function stageStatus(env: NodeJS.ProcessEnv, stage: string): Promise<StageStatusRow> {
  const rows = (await sluiceOk(['stage', 'status', '--json'], env)).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StageStatusRow);
  const row = rows.find((r) => r.stage === stage);
  if (!row) throw new Error(`sluice stage status has no row for ${stage}`);
  return row;
}

/** `sluice stage stop <stage>`, then waits (30 s at most) for its group to have no members. */
export async function stopStage(
  env: NodeJS.ProcessEnv,
  stage: string,
  group: string,
  what = 'the group to have no members',
): Promise<void> {
  await sluiceOk(['stage', 'stop', stage], env);
  await waitFor(what, async () => (await groupMembers(group)).length === 0, 30_000);
}
