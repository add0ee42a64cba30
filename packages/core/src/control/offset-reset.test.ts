import { describe, expect, it } from 'vitest';
import {
  type PartitionOffsets,
  parseOffsetSpec,
  planOffsetReset,
  resetTargetOf,
} from './offset-reset.ts';

const parts: PartitionOffsets[] = [
  { topic: 'events.raw', partition: 0, committed: 800, low: 100, high: 1000, atTimestamp: 500 },
  { topic: 'events.raw', partition: 1, committed: null, low: 0, high: 50, atTimestamp: null },
];

describe('planOffsetReset', () => {
  it('to earliest: everything from the log start is read again', () => {
    const plan = planOffsetReset(parts, { kind: 'earliest' });
    expect(plan.rows).toEqual([
      { topic: 'events.raw', partition: 0, current: 800, next: 100, reprocess: 700, skip: 0 },
      // No commit: the group would start at the log start anyway.
      { topic: 'events.raw', partition: 1, current: null, next: 0, reprocess: 0, skip: 0 },
    ]);
    expect([plan.reprocess, plan.skip, plan.errors]).toEqual([700, 0, []]);
  });

  it('to latest: the backlog is skipped', () => {
    const plan = planOffsetReset(parts, { kind: 'latest' });
    expect(plan.rows.map((r) => [r.next, r.reprocess, r.skip])).toEqual([
      [1000, 0, 200],
      [50, 0, 50],
    ]);
  });

  it('to a time: the first record at or after it, the end where there is none', () => {
    const plan = planOffsetReset(parts, { kind: 'timestamp', ms: 1 });
    expect(plan.rows.map((r) => [r.next, r.reprocess, r.skip])).toEqual([
      [500, 300, 0],
      [50, 0, 50],
    ]);
  });

  it('explicit offsets: named partitions move, others stay, out-of-log offsets are errors', () => {
    const plan = planOffsetReset(parts, {
      kind: 'offsets',
      offsets: new Map([['events.raw:0', 900]]),
    });
    expect(plan.rows).toEqual([
      { topic: 'events.raw', partition: 0, current: 800, next: 900, reprocess: 0, skip: 100 },
    ]);
    const bad = planOffsetReset(parts, {
      kind: 'offsets',
      offsets: new Map([
        ['events.raw:0', 5],
        ['events.raw:7', 1],
      ]),
    });
    expect(bad.errors).toEqual([
      "events.raw:7: no such partition among the stage's inputs",
      'events.raw:0: offset 5 is outside the log (100..1000)',
    ]);
  });
});

describe('parseOffsetSpec', () => {
  it('reads partition=offset for a one-topic stage and topic:partition=offset otherwise', () => {
    expect(parseOffsetSpec('0=10, 3=20', ['events.raw'])).toEqual(
      new Map([
        ['events.raw:0', 10],
        ['events.raw:3', 20],
      ]),
    );
    expect(parseOffsetSpec('sessions:1=5', ['aggregates', 'sessions'])).toEqual(
      new Map([['sessions:1', 5]]),
    );
  });

  it('names the bad pair', () => {
    expect(() => parseOffsetSpec('0=x', ['events.raw'])).toThrow('"0=x": expected');
    expect(() => parseOffsetSpec('1=5', ['aggregates', 'sessions'])).toThrow('name the topic');
    expect(() => parseOffsetSpec('other:1=5', ['events.raw'])).toThrow('not an input');
    expect(() => parseOffsetSpec(' , ', ['events.raw'])).toThrow('no offsets given');
  });
});

describe('resetTargetOf', () => {
  it('turns what a person typed into a target, naming what it cannot read', () => {
    expect(resetTargetOf({ kind: 'latest' }, ['events.raw'])).toEqual({ kind: 'latest' });
    expect(resetTargetOf({ kind: 'timestamp', at: '2026-11-30T08:00:00Z' }, [])).toEqual({
      kind: 'timestamp',
      ms: Date.parse('2026-11-30T08:00:00Z'),
    });
    expect(() => resetTargetOf({ kind: 'timestamp', at: 'noon' }, [])).toThrow(
      '"noon": not a date',
    );
    expect(resetTargetOf({ kind: 'offsets', spec: '2=7' }, ['events.raw'])).toEqual({
      kind: 'offsets',
      offsets: new Map([['events.raw:2', 7]]),
    });
  });
});
