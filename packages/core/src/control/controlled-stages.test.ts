import { describe, expect, it } from 'vitest';
import { pipelineNames } from '../pipeline-contract.ts';
import { CONTROLLED_STAGE_NAMES, controlledStages } from './controlled-stages.ts';

describe('controlledStages', () => {
  it('controls the pipeline stages and the DLQ indexer, by group and input, under the prefix', () => {
    const stages = controlledStages(pipelineNames('p.'));
    expect(stages.map((s) => [s.stage, s.command, s.group, s.inputs])).toEqual([
      ['enrichment', 'enrichment', 'p.enrichment-workers', ['p.events.raw']],
      ['aggregation', 'aggregation', 'p.aggregation-workers', ['p.events.enriched']],
      [
        'storage',
        'storage',
        'p.storage-writers',
        ['p.events.enriched', 'p.aggregates', 'p.sessions'],
      ],
      ['dlqIndex', 'dlq-indexer', 'p.dlq-indexers', ['p.events.dlq']],
    ]);
    expect(stages.map((s) => s.stage)).toEqual([...CONTROLLED_STAGE_NAMES]);
  });
});
