import { pipelineNames } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { stageHistoryFrom, stageRatesFrom } from './stage-rates.ts';

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
      ['enrichment', 't.enrichment-workers', true, { in: 120, out: 118, dlq: 2, duplicate: 0 }],
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

describe('stageHistoryFrom', () => {
  const buckets = [
    '2026-11-27T10:00:00',
    '2026-11-27T10:00:10',
    '2026-11-27T10:00:20',
    '2026-11-27T10:00:30',
    '2026-11-27T10:00:40',
    '2026-11-27T10:00:50',
  ];
  it('bins the counters into 30 s points per stage, and adds up the DLQ of the stages that ran', () => {
    const counts: Record<string, (string | null)[]> = {
      'enrichment/in': ['300', '300', '300', '600', '600', '600'],
      'enrichment/dlq': [null, '30', null, null, null, null],
      // Started in the second bin.
      'storage/in': [null, null, null, '0', '900', '0'],
      'storage/dlq': [null, null, null, null, '30', null],
    };
    const h = stageHistoryFrom(stages, buckets, (s, m) => counts[`${s}/${m}`] ?? six(null));
    const t1 = Date.parse('2026-11-27T10:00:30Z');
    const t2 = Date.parse('2026-11-27T10:01:00Z');
    expect(h.enrichment).toEqual([
      { t: t1, value: 30 },
      { t: t2, value: 60 },
    ]);
    // Not running in the first bin: a gap, not a zero.
    expect(h.storage).toEqual([
      { t: t1, value: null },
      { t: t2, value: 30 },
    ]);
    expect(h.aggregation?.map((p) => p.value)).toEqual([null, null]);
    expect(h.dlq?.map((p) => p.value)).toEqual([1, 1]);
  });

  it("starts its bins on the clock's 30 s, whatever bucket the span starts with", () => {
    const h = stageHistoryFrom(stages, buckets.slice(1), () => six('0'));
    expect(h.enrichment?.map((p) => p.t)).toEqual([Date.parse('2026-11-27T10:01:00Z')]);
  });

  it('has no DLQ point where no stage ran', () => {
    const h = stageHistoryFrom(stages, buckets, () => six(null));
    expect(h.dlq?.map((p) => p.value)).toEqual([null, null]);
  });
});
