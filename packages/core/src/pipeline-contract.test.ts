import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GROUPS, pipelineEnvShape, pipelineNames, TOPICS } from './pipeline-contract.ts';

describe('pipelineNames', () => {
  it('puts the prefix before every topic and group name', () => {
    const { topics, groups } = pipelineNames('t1.');
    expect(topics.raw).toBe('t1.events.raw');
    expect(topics.aggregationChangelog).toBe('t1.aggregation-state-changelog');
    expect(groups).toEqual({
      enrichment: 't1.enrichment-workers',
      aggregation: 't1.aggregation-workers',
      storage: 't1.storage-writers',
      dlqIndex: 't1.dlq-indexers',
    });
    expect(Object.keys(topics)).toEqual(Object.keys(TOPICS));
  });

  it("are the design's names without a prefix", () => {
    const { topics, groups } = pipelineNames();
    expect(topics).toEqual(TOPICS);
    expect(groups).toEqual(GROUPS);
  });

  it('resolves the stages in pipeline order, each with its group, inputs and outputs', () => {
    const { stages } = pipelineNames('p-');
    expect(stages.map((s) => [s.stage, s.group, s.inputs, s.outputs])).toEqual([
      [
        'enrichment',
        'p-enrichment-workers',
        ['p-events.raw'],
        ['p-events.enriched', 'p-events.dlq'],
      ],
      [
        'aggregation',
        'p-aggregation-workers',
        ['p-events.enriched'],
        ['p-aggregates', 'p-sessions', 'p-events.late', 'p-aggregation-state-changelog'],
      ],
      [
        'storage',
        'p-storage-writers',
        ['p-events.enriched', 'p-aggregates', 'p-sessions'],
        ['p-events.dlq'],
      ],
    ]);
  });

  it('has every stage read what an earlier stage or the producers write', () => {
    const { topics, stages } = pipelineNames();
    const written = new Set<string>([topics.raw]);
    for (const s of stages) {
      for (const input of s.inputs) expect(written).toContain(input);
      for (const output of s.outputs) written.add(output);
    }
  });
});

describe('pipelineEnvShape', () => {
  const schema = z.object(pipelineEnvShape);

  it('defaults to no prefix and the three window sizes of the design', () => {
    expect(schema.parse({})).toEqual({ SLUICE_TOPIC_PREFIX: '', AGG_WINDOWS: '1m,5m,1h' });
  });

  it('rejects a prefix with characters Kafka names cannot hold, and bad window sizes', () => {
    const r = schema.safeParse({ SLUICE_TOPIC_PREFIX: 'a b', AGG_WINDOWS: '1m,90ms' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'AGG_WINDOWS',
      'SLUICE_TOPIC_PREFIX',
    ]);
  });
});
