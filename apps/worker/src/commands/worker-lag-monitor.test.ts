import { describe, expect, it } from 'vitest';
import { pipelineThroughputTopics } from './worker-lag-monitor.ts';

describe('pipelineThroughputTopics', () => {
  it('names the pipeline topics under SLUICE_TOPIC_PREFIX', () => {
    const t = pipelineThroughputTopics('it-7.');
    expect(t.extraTopics).toEqual([
      'it-7.events.raw',
      'it-7.events.enriched',
      'it-7.events.dlq',
      'it-7.events.late',
    ]);
    expect([...t.stages]).toEqual([
      ['it-7.events.raw', 'RawRecords'],
      ['it-7.events.enriched', 'EnrichedRecords'],
      ['it-7.events.dlq', 'DlqRecords'],
      ['it-7.events.late', 'LateRecords'],
    ]);
  });

  it('is the plain names without a prefix', () => {
    expect(pipelineThroughputTopics('').extraTopics[0]).toBe('events.raw');
  });
});
