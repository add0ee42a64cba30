import { pipelineNames } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { stageRatesFrom } from './stage-rates.ts';

const { stages } = pipelineNames('t.');
const six = (n: string | null) => Array<string | null>(6).fill(n);

describe('stageRatesFrom', () => {
  it('turns the minute of counts into records per second, per stage and metric', () => {
    const counts: Record<string, (string | null)[]> = {
      'enrichment/in': six('1200'),
      'enrichment/out': six('1180'),
      'enrichment/dlq': ['20', null, '40', null, null, '60'],
      // Running but idle: only the heartbeat.
      'aggregation/in': [null, null, '0', '0', '0', '0'],
    };
    const r = stageRatesFrom(stages, (s, m) => counts[`${s}/${m}`] ?? six(null));
    expect(r.windowS).toBe(60);
    expect(r.stages.map((s) => [s.stage, s.group, s.reporting, s.perSecond])).toEqual([
      ['enrichment', 't.enrichment-workers', true, { in: 120, out: 118, dlq: 2 }],
      ['aggregation', 't.aggregation-workers', true, { in: 0, out: 0, late: 0 }],
      ['storage', 't.storage-writers', false, { in: null, out: null, dlq: null }],
    ]);
    // Totals over the stages that report: storage's DLQ is unknown, not zero, and left out.
    expect(r.dlqPerSecond).toBe(2);
    expect(r.latePerSecond).toBe(0);
  });

  it('has no totals when no stage is counting', () => {
    const r = stageRatesFrom(stages, () => six(null));
    expect(r.stages.every((s) => !s.reporting)).toBe(true);
    expect(r.dlqPerSecond).toBeNull();
    expect(r.latePerSecond).toBeNull();
  });
});
