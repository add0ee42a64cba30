import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE_CONTROL, describeStageControl, parseStageControl } from './stage-control.ts';

describe('parseStageControl', () => {
  it('reads a control record', () => {
    const r = parseStageControl(
      Buffer.from(
        JSON.stringify({
          state: 'paused',
          by: 'ana@example.com',
          at: '2026-11-30T07:00:00.000Z',
          reason: 'sink upgrade',
        }),
      ),
    );
    expect(r).toEqual({
      ok: true,
      control: {
        state: 'paused',
        by: 'ana@example.com',
        at: '2026-11-30T07:00:00.000Z',
        reason: 'sink upgrade',
      },
    });
    expect(r.ok && describeStageControl(r.control)).toBe(
      'paused by ana@example.com at 2026-11-30T07:00:00.000Z (sink upgrade)',
    );
  });

  it('refuses what it cannot apply, naming the field', () => {
    expect(parseStageControl(null)).toEqual({ ok: false, error: 'empty control record' });
    expect(parseStageControl('{')).toEqual({ ok: false, error: 'control record is not JSON' });
    const bad = parseStageControl(JSON.stringify({ state: 'sleeping', by: 'x', at: 'yesterday' }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/state: .*at: /);
    expect(
      parseStageControl(JSON.stringify({ state: 'paused', by: '', at: '2026-11-30T07:00:00Z' })).ok,
    ).toBe(false);
    expect(
      parseStageControl(
        JSON.stringify({
          state: 'paused',
          by: 'x',
          at: '2026-11-30T07:00:00Z',
          reason: 'r'.repeat(501),
        }),
      ).ok,
    ).toBe(false);
  });

  it('runs a stage that was never controlled', () => {
    expect(DEFAULT_STAGE_CONTROL.state).toBe('running');
    expect(describeStageControl(DEFAULT_STAGE_CONTROL)).toBe('running (never paused or stopped)');
  });
});
