// The consumer groups the control plane pauses, resumes, stops and resets: the pipeline's stages
// and the DLQ indexer, which runs on the same stage runner but is no pipeline stage (it writes
// no topic and counts nothing). The CLI names each by its worker's command (`sluice worker X`).
import type { PipelineNames, StageName } from '../pipeline-contract.ts';

export interface ControlledStage {
  stage: StageName;
  /** The name the CLI takes: `sluice stage pause <command>`, as `sluice worker <command>`. */
  command: string;
  label: string;
  group: string;
  inputs: readonly string[];
}

export const CONTROLLED_STAGE_NAMES = [
  'enrichment',
  'aggregation',
  'storage',
  'dlqIndex',
] as const satisfies readonly StageName[];

/** The controlled stages under a prefix, in pipeline order, the DLQ indexer last. */
export function controlledStages(names: PipelineNames): ControlledStage[] {
  return [
    ...names.stages.map((s) => ({
      stage: s.stage,
      command: s.stage,
      label: s.label,
      group: s.group,
      inputs: s.inputs,
    })),
    {
      stage: 'dlqIndex',
      command: 'dlq-indexer',
      label: 'DLQ indexer',
      group: names.groups.dlqIndex,
      inputs: [names.topics.dlq],
    },
  ];
}
