import { describe, expect, it } from 'vitest';
import { planStages } from './stage-plan.ts';

describe('stage plan', () => {
  it('runs every stage in pipeline order, every storage variant, by default', () => {
    expect(planStages(undefined, false)).toEqual({
      stages: ['raw-consume', 'enrichment', 'aggregation', 'storage', 'pipeline', 'latency'],
      storage: ['timescaledb', 'elasticsearch', 'redis', 's3', 'all'],
    });
  });

  it('takes only the storage writer with every sink in a quick run, unless stages are named', () => {
    expect(planStages(undefined, true).storage).toEqual(['all']);
    expect(planStages(['storage'], true).storage).toHaveLength(5);
  });

  it('makes one storage stage of storage:<sink> entries, in pipeline order whatever the list order', () => {
    expect(
      planStages(['latency', 'storage:redis', 'enrichment', 'storage:all', 'storage:redis'], false),
    ).toEqual({
      stages: ['enrichment', 'storage', 'latency'],
      storage: ['redis', 'all'],
    });
    expect(planStages(['pipeline'], false)).toEqual({ stages: ['pipeline'], storage: [] });
  });

  it('runs the candidate client stage only when named, right after enrichment', () => {
    expect(planStages(undefined, false).stages).not.toContain('enrichment:platformatic');
    expect(planStages(['aggregation', 'enrichment:platformatic', 'enrichment'], false)).toEqual({
      stages: ['enrichment', 'enrichment:platformatic', 'aggregation'],
      storage: [],
    });
  });
});
