import { describe, expect, it } from 'vitest';
import { createOffsetTracker } from './offset-tracker.ts';

const p0 = { topic: 't', partition: 0 };
const p1 = { topic: 't', partition: 1 };

describe('createOffsetTracker', () => {
  it('commits a partition only up to its oldest segment not durable in every sink', () => {
    const t = createOffsetTracker();
    const a = t.add(p0, '0', '9', ['pg', 's3']);
    const b = t.add(p0, '10', '19', ['pg', 's3']);
    expect(t.committable()).toEqual([{ ...p0, offset: '0' }]);

    expect(t.done(b, 'pg')).toBe(false);
    expect(t.done(b, 's3')).toBe(true); // b is now durable in every sink
    // b is durable, but a is not: committing 20 would lose a if we crashed now.
    expect(t.committable()).toEqual([{ ...p0, offset: '0' }]);

    t.done(a, 's3');
    expect(t.committable()).toEqual([{ ...p0, offset: '0' }]);
    t.done(a, 'pg');
    expect(t.committable()).toEqual([{ ...p0, offset: '20' }]);
  });

  it('keeps partitions independent: a held-back partition does not hold back another', () => {
    const t = createOffsetTracker();
    t.add(p0, '5', '9', ['pg']);
    const b = t.add(p1, '100', '149', ['s3']);
    t.done(b, 's3');
    expect(t.committable()).toEqual([
      { ...p0, offset: '5' },
      { ...p1, offset: '150' },
    ]);
    expect(t.heldBack('pg')).toEqual([p0]);
    expect(t.heldBack('s3')).toEqual([]);
  });

  it('reports a commit point once until it moves again', () => {
    const t = createOffsetTracker();
    const a = t.add(p0, '0', '9', ['s3']);
    t.done(a, 's3');
    t.markCommitted({ ...p0, offset: '10' });
    expect(t.committable()).toEqual([]);
    t.add(p0, '10', '19', []);
    expect(t.committable()).toEqual([{ ...p0, offset: '20' }]);
  });

  it('treats a segment routed to no sink as durable at once', () => {
    const t = createOffsetTracker();
    t.add(p0, '0', '3', []);
    expect(t.committable()).toEqual([{ ...p0, offset: '4' }]);
    expect(t.pendingSegments()).toBe(0);
  });

  it('forgets a revoked partition, and a late done() for it is harmless', () => {
    const t = createOffsetTracker();
    const a = t.add(p0, '0', '9', ['pg']);
    const b = t.add(p0, '10', '19', ['pg']);
    expect(t.revoke(p0)).toEqual([a, b]);
    expect(t.revoke(p0)).toEqual([]);
    expect(t.done(a, 'pg')).toBe(false);
    expect(t.committable()).toEqual([]);
    expect(t.heldBack('pg')).toEqual([]);
  });

  it('moves the commit point to the position past a transaction marker once nothing is pending', () => {
    const t = createOffsetTracker();
    const a = t.add(p0, '0', '9', ['pg']);
    // Offset 10 is the transaction's commit marker: the consumer's position is 11.
    t.consumedTo({ ...p0, offset: '11' });
    expect(t.committable()).toEqual([{ ...p0, offset: '0' }]);
    t.done(a, 'pg');
    expect(t.committable()).toEqual([{ ...p0, offset: '10' }]);
    t.consumedTo({ ...p0, offset: '11' });
    expect(t.committable()).toEqual([{ ...p0, offset: '11' }]);
    // A position behind the commit point (a stale read) never moves it back.
    t.consumedTo({ ...p0, offset: '5' });
    expect(t.committable()).toEqual([{ ...p0, offset: '11' }]);
  });

  it('takes the position of a partition that delivered only markers since it was assigned', () => {
    const t = createOffsetTracker();
    t.consumedTo({ ...p1, offset: '42' });
    expect(t.committable()).toEqual([{ ...p1, offset: '42' }]);
    t.markCommitted({ ...p1, offset: '42' });
    expect(t.committable()).toEqual([]);
    // Records after it are tracked from there as usual.
    const a = t.add(p1, '43', '50', ['pg']);
    t.consumedTo({ ...p1, offset: '51' });
    expect(t.committable()).toEqual([]);
    t.done(a, 'pg');
    expect(t.committable()).toEqual([{ ...p1, offset: '51' }]);
  });

  it('handles offsets beyond 2^53', () => {
    const t = createOffsetTracker();
    const a = t.add(p0, '9007199254740993', '9007199254740999', ['pg']);
    t.done(a, 'pg');
    expect(t.committable()).toEqual([{ ...p0, offset: '9007199254741000' }]);
  });
});
