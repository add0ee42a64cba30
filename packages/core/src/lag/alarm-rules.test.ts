import { describe, expect, it } from 'vitest';
import { type AlarmRule, evaluateAlarm, parseAlarmsConfig, periodValues } from './alarm-rules.ts';

const rule = (over: Partial<AlarmRule> = {}): AlarmRule => {
  const parsed = parseAlarmsConfig({
    alarms: [
      {
        name: 'lag',
        metric: 'MaxOffsetLag',
        statistic: 'Maximum',
        periodS: 60,
        evaluationPeriods: 3,
        threshold: 1000,
        treatMissingData: 'notBreaching',
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return { ...(parsed.config.alarms[0] as AlarmRule), ...over };
};

describe('parseAlarmsConfig', () => {
  it('fills defaults', () => {
    const r = parseAlarmsConfig({ alarms: [] });
    expect(r).toEqual({ ok: true, config: { namespace: 'Sluice', prefix: 'Sluice-', alarms: [] } });
  });

  it('names the offending keys', () => {
    const r = parseAlarmsConfig({
      alarms: [
        { name: 'x', metric: 'Nope', statistic: 'Maximum', periodS: 45, evaluationPeriods: 1 },
      ],
    });
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues.join('\n');
    expect(issues).toContain('alarms.0.metric');
    expect(issues).toContain('alarms.0.periodS');
    expect(issues).toContain('alarms.0.threshold');
    expect(issues).toContain('alarms.0.treatMissingData');
  });

  it('rejects duplicate names and M greater than N', () => {
    const base = rule();
    expect(parseAlarmsConfig({ alarms: [base, base] }).ok).toBe(false);
    expect(
      parseAlarmsConfig({ alarms: [{ ...base, datapointsToAlarm: 4, evaluationPeriods: 3 }] }).ok,
    ).toBe(false);
  });
});

describe('evaluateAlarm', () => {
  it('ALARM when every period breaches, OK otherwise', () => {
    expect(evaluateAlarm(rule(), [2000, 3000, 4000])).toBe('ALARM');
    expect(evaluateAlarm(rule(), [2000, 500, 4000])).toBe('OK');
  });

  it('M of N', () => {
    expect(evaluateAlarm(rule({ datapointsToAlarm: 2 }), [2000, 500, 4000])).toBe('ALARM');
  });

  it('missing data as the rule says', () => {
    expect(evaluateAlarm(rule({ treatMissingData: 'breaching' }), [2000, null, null])).toBe(
      'ALARM',
    );
    expect(evaluateAlarm(rule({ treatMissingData: 'notBreaching' }), [2000, null, null])).toBe(
      'OK',
    );
    expect(evaluateAlarm(rule({ treatMissingData: 'missing' }), [null, null, null])).toBe(
      'INSUFFICIENT_DATA',
    );
    expect(evaluateAlarm(rule({ treatMissingData: 'ignore' }), [null, null, null], 'ALARM')).toBe(
      'ALARM',
    );
  });
});

describe('periodValues', () => {
  it('buckets points into the periods before the end, with the statistic', () => {
    const points = [
      { atMs: 0, value: 5 },
      { atMs: 30_000, value: 7 },
      { atMs: 130_000, value: 1 },
      { atMs: 180_000, value: 99 }, // at the end: excluded
    ];
    expect(periodValues(rule(), points, 180_000)).toEqual([7, null, 1]);
    expect(periodValues({ ...rule(), statistic: 'Sum' }, points, 180_000)).toEqual([12, null, 1]);
  });
});
