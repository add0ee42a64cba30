// Planning and recording a replay job, the same for the CLI and the console: load the selected
// entries, check the request (a replacement payload is for one entry; a selection is bounded),
// plan (replay-plan.ts) and record the job with its plan. The database comes in as two ports.
import { createEventParser, type EventParserOptions } from '../event-parser.ts';
import type { DlqFilter, DlqStatus } from './dlq-filter.ts';
import {
  planReplay,
  type ReplayCandidate,
  type ReplayEdit,
  type ReplayPlanItem,
  type ReplayStage,
  type ReplayTarget,
} from './replay-plan.ts';

/** Most entries one job may take: a larger selection is narrowed by the operator. */
export const MAX_REPLAY_ENTRIES = 100_000;

/** Input the operator can fix: its message names what is wrong. */
export class ReplayInputError extends Error {}

export type ReplaySelectionInput =
  | { readonly ids: readonly number[] }
  | { readonly filter: DlqFilter };

export interface ReplayJobRecord {
  readonly createdBy: string;
  readonly selection: Record<string, unknown>;
  readonly target: 'source' | 'stage';
  readonly targetStage: string | null;
  readonly edit: Record<string, unknown> | null;
  readonly rateLimit: number | null;
  readonly dryRun: boolean;
}

export interface ReplayJobPorts {
  loadCandidates(
    selection: ReplaySelectionInput,
    limit: number,
  ): Promise<{
    candidates: readonly (Omit<ReplayCandidate, 'status'> & { status: string })[];
    missing: readonly number[];
  }>;
  createJob(
    job: ReplayJobRecord,
    plan: readonly ReplayPlanItem[],
  ): Promise<{ jobId: number; pending: number; skipped: number }>;
}

export interface ReplayRequest {
  readonly selection: ReplaySelectionInput;
  readonly target: ReplayTarget;
  readonly edit?: ReplayEdit | undefined;
  readonly rateLimit?: number | undefined;
  readonly dryRun: boolean;
  readonly actor: string;
  readonly stageTopics: Readonly<Record<ReplayStage, string>>;
  readonly parser?: EventParserOptions | undefined;
}

export interface PlannedReplayJob {
  jobId: number;
  plan: ReplayPlanItem[];
  pending: number;
  skipped: number;
}

export async function planAndRecordReplay(
  ports: ReplayJobPorts,
  req: ReplayRequest,
): Promise<PlannedReplayJob> {
  const { candidates, missing } = await ports.loadCandidates(req.selection, MAX_REPLAY_ENTRIES + 1);
  if (missing.length > 0)
    throw new ReplayInputError(`no DLQ entry ${missing.map((id) => `#${id}`).join(', ')}`);
  if (candidates.length === 0) throw new ReplayInputError('the selection matches no DLQ entry');
  if (candidates.length > MAX_REPLAY_ENTRIES)
    throw new ReplayInputError(
      `the selection matches more than ${MAX_REPLAY_ENTRIES} entries: narrow the filter`,
    );
  if (req.edit?.kind === 'replace' && candidates.length > 1)
    throw new ReplayInputError(
      `a replacement payload replays one entry, the selection has ${candidates.length}: use a merge patch`,
    );
  const plan = planReplay(
    candidates.map((c) => ({ ...c, status: c.status as DlqStatus })),
    {
      target: req.target,
      stageTopics: req.stageTopics,
      edit: req.edit,
      parse: createEventParser(req.parser),
    },
  );
  const created = await ports.createJob(
    {
      createdBy: req.actor,
      selection: 'ids' in req.selection ? { ids: [...req.selection.ids] } : { ...req.selection },
      target: req.target.kind,
      targetStage: req.target.kind === 'stage' ? req.target.stage : null,
      edit: req.edit ? { ...req.edit } : null,
      rateLimit: req.rateLimit ?? null,
      dryRun: req.dryRun,
    },
    plan,
  );
  return { ...created, plan };
}
