import { describe, expect, it } from 'vitest';
import {
  describeStageCondition,
  groupPhaseOf,
  observePhase,
  stageCondition,
} from './group-condition.ts';

describe('groupPhaseOf', () => {
  it('reads both rebalance states as rebalancing, and the rest by name', () => {
    expect(
      ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead', 'Unknown', ''].map(
        groupPhaseOf,
      ),
    ).toEqual(['stable', 'rebalancing', 'rebalancing', 'empty', 'dead', 'unknown', 'unknown']);
  });
});

describe('observePhase', () => {
  const t0 = '2026-11-30T10:00:00.000Z';
  const t1 = '2026-11-30T10:00:05.000Z';
  const t2 = '2026-11-30T10:00:10.000Z';

  it('does not claim a start for the phase found at the first look', () => {
    expect(observePhase(undefined, 'rebalancing', t0)).toEqual({
      phase: 'rebalancing',
      since: null,
    });
  });

  it('dates a change from the look that saw it and keeps that date while it lasts', () => {
    const first = observePhase(undefined, 'stable', t0);
    const changed = observePhase(first, 'rebalancing', t1);
    expect(changed).toEqual({ phase: 'rebalancing', since: t1 });
    expect(observePhase(changed, 'rebalancing', t2)).toEqual({ phase: 'rebalancing', since: t1 });
    expect(observePhase(changed, 'stable', t2)).toEqual({ phase: 'stable', since: t2 });
  });
});

describe('describeStageCondition', () => {
  it('shows a rebalance beside any control state', () => {
    expect(describeStageCondition('running', 'rebalancing')).toBe('running, rebalancing');
    expect(describeStageCondition('paused', 'rebalancing')).toBe('paused, rebalancing');
  });

  it('names an empty or dead group unless the stage was stopped on purpose', () => {
    expect(describeStageCondition('stopped', 'empty')).toBe('stopped');
    expect(describeStageCondition('running', 'empty')).toBe('running, group empty (no member)');
    expect(describeStageCondition('paused', 'dead')).toBe(
      'paused, group dead (no member, no offsets)',
    );
    expect(describeStageCondition('running', 'unknown')).toBe('running, group state unknown');
  });

  it('says nothing more of a stable group, except members that have not left a stopped stage', () => {
    expect(describeStageCondition('running', 'stable')).toBe('running');
    expect(describeStageCondition('paused', 'stable')).toBe('paused');
    expect(describeStageCondition('stopped', 'stable')).toBe('stopped, members still leaving');
  });
});

describe('stageCondition', () => {
  const setAt = '2026-11-30T09:00:00.000Z';
  const sawAt = '2026-11-30T10:00:05.000Z';

  it("dates a condition the group's phase shows from the phase, and never from the control", () => {
    expect(
      stageCondition({ state: 'paused', at: setAt }, { phase: 'rebalancing', since: sawAt }),
    ).toEqual({ text: 'paused, rebalancing', since: sawAt });
    // Rebalancing already at the first look: since when is not known, and not the pause's time.
    expect(
      stageCondition({ state: 'paused', at: setAt }, { phase: 'rebalancing', since: null }),
    ).toEqual({ text: 'paused, rebalancing', since: null });
    expect(stageCondition({ state: 'running', at: null }, null)).toEqual({
      text: 'running, group state unknown',
      since: null,
    });
  });

  it('dates the control state when the group shows nothing more', () => {
    expect(
      stageCondition({ state: 'paused', at: setAt }, { phase: 'stable', since: sawAt }),
    ).toEqual({ text: 'paused', since: setAt });
    expect(
      stageCondition({ state: 'stopped', at: setAt }, { phase: 'empty', since: sawAt }),
    ).toEqual({ text: 'stopped', since: setAt });
    expect(
      stageCondition({ state: 'running', at: null }, { phase: 'stable', since: null }),
    ).toEqual({ text: 'running', since: null });
  });
});
