import type { TopicPartition } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { createPauseReconciler, type PauseInputs, type SinkLoad } from './pause-reconciler.ts';

const tp = (partition: number): TopicPartition => ({ topic: 't', partition });
const parts = (...ns: number[]) => ns.map(tp);
const ns = (tps: readonly TopicPartition[]) => tps.map((t) => t.partition).sort((a, b) => a - b);

function inputs(
  owned: number[],
  sinks: SinkLoad[],
  held: Record<string, number[]>,
  more: { unread?: number[]; pauseAll?: boolean; mayFeed?: PauseInputs['mayFeed'] } = {},
): PauseInputs {
  return {
    owned: parts(...owned),
    sinks,
    heldBack: (sink) => parts(...(held[sink] ?? [])),
    unread: parts(...(more.unread ?? [])),
    ...(more.mayFeed ? { mayFeed: more.mayFeed } : {}),
    pauseAll: more.pauseAll ?? false,
  };
}

const pg = (pending: number, up = true): SinkLoad => ({ name: 'pg', pending, up });
const s3 = (pending: number): SinkLoad => ({ name: 's3', pending, up: true });

describe('createPauseReconciler', () => {
  it('pauses only the owned partitions a sink over its bound holds back, and only once', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    const plan = r.reconcile(inputs([0, 1, 2, 3], [pg(100), s3(5)], { pg: [1, 2, 9], s3: [0, 1] }));
    expect(ns(plan.pause)).toEqual([1, 2]);
    expect(plan.resume).toEqual([]);
    expect(plan.saturated).toEqual(['pg']);
    expect(plan.pausedFor).toEqual(
      new Map([
        ['pg', 2],
        ['s3', 0],
      ]),
    );
    // Nothing changed: nothing to do.
    const again = r.reconcile(
      inputs([0, 1, 2, 3], [pg(100), s3(5)], { pg: [1, 2, 9], s3: [0, 1] }),
    );
    expect([again.pause, again.resume, again.saturated]).toEqual([[], [], []]);
  });

  it('keeps a partition assigned while a sink is full paused before it brings that sink anything', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    expect(ns(r.reconcile(inputs([0, 1], [pg(150)], { pg: [0, 1] })).pause)).toEqual([0, 1]);
    // A rebalance: 1 is revoked, 4 and 5 are assigned, nothing read of them yet; the sink is
    // still full. (The edge-triggered version never paused them, and the sink's buffer grew for
    // as long as the outage lasted.)
    r.forget(parts(1));
    expect(ns(r.adopt(parts(4, 5)))).toEqual([4, 5]);
    const plan = r.reconcile(inputs([0, 4, 5], [pg(150)], { pg: [0] }, { unread: [4, 5] }));
    expect(ns(plan.pause)).toEqual([4, 5]);
    expect(plan.pausedFor.get('pg')).toBe(3);
    expect(ns(r.paused())).toEqual([0, 4, 5]);
  });

  it('reads a new partition that cannot feed the full sink', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    const mayFeed = (sink: string, t: TopicPartition) => sink === 'pg' || t.partition !== 7;
    const es = { name: 'es', pending: 150, up: false };
    const plan = r.reconcile(inputs([6, 7], [es, pg(0)], {}, { unread: [6, 7], mayFeed }));
    expect(ns(plan.pause)).toEqual([6]);
  });

  it('resumes below half the bound, once the sink is up; in between it keeps what it paused', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    r.reconcile(inputs([0, 1], [pg(120, false)], { pg: [0, 1] }));
    expect(r.reconcile(inputs([0, 1], [pg(60)], { pg: [0, 1] })).resume).toEqual([]);
    // Below half but still down: its buffer cannot have been written; nothing resumes.
    expect(r.reconcile(inputs([0, 1], [pg(10, false)], { pg: [0, 1] })).resume).toEqual([]);
    const plan = r.reconcile(inputs([0, 1], [pg(49)], { pg: [0, 1] }));
    expect(ns(plan.resume)).toEqual([0, 1]);
    expect(plan.released).toEqual(['pg']);
    expect(r.paused()).toEqual([]);
  });

  it('lets a sink that is down but within its bound stall nobody', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    const plan = r.reconcile(inputs([0, 1], [pg(99, false), s3(0)], { pg: [0, 1] }));
    expect([plan.pause, plan.resume]).toEqual([[], []]);
  });

  it('keeps a partition paused while any saturated sink holds it back', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    const both = [pg(200), { name: 'es', pending: 200, up: true }];
    expect(ns(r.reconcile(inputs([0, 1], both, { pg: [0], es: [0, 1] })).pause)).toEqual([0, 1]);
    const esDone = [pg(200), { name: 'es', pending: 0, up: true }];
    const plan = r.reconcile(inputs([0, 1], esDone, { pg: [0], es: [] }));
    expect(ns(plan.resume)).toEqual([1]);
  });

  it('drops partitions no longer owned without resuming them, and pauses every owned one when stopping', () => {
    const r = createPauseReconciler({ maxPending: 100 });
    r.reconcile(inputs([0, 1], [pg(200)], { pg: [0, 1] }));
    const after = r.reconcile(inputs([1, 2], [pg(200)], { pg: [0, 1] }));
    expect([after.pause, after.resume]).toEqual([[], []]);
    expect(ns(r.paused())).toEqual([1]);
    expect(ns(r.reconcile(inputs([1, 2], [pg(0)], {}, { pauseAll: true })).pause)).toEqual([2]);
    expect(ns(r.paused())).toEqual([1, 2]);
  });

  it('bounds a dead sink whatever the assignment does', () => {
    // A sink that never writes, 12 partitions moving in and out at random, 10 records per batch.
    const max = 1_000;
    const batch = 10;
    const r = createPauseReconciler({ maxPending: max });
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let owned = new Set([0, 1, 2, 3, 4, 5]);
    const paused = new Set<number>();
    let held = new Set<number>();
    let read = new Set<number>();
    let pending = 0;
    let peak = 0;
    const reconcile = () => {
      const unread = [...owned].filter((p) => !read.has(p));
      const plan = r.reconcile(
        inputs([...owned], [pg(pending, false)], { pg: [...held] }, { unread }),
      );
      for (const t of plan.pause) paused.add(t.partition);
      for (const t of plan.resume) paused.delete(t.partition);
    };
    for (let step = 0; step < 2_000; step++) {
      if (random() < 0.2) {
        // Rebalance: the consumer forgets nothing it paused (as librdkafka does); the stage
        // forgets what it gave up, resumes what it adopts, and reconciles before reading on.
        const next = new Set([...Array(12).keys()].filter(() => random() < 0.5));
        const gone = [...owned].filter((p) => !next.has(p));
        const fresh = [...next].filter((p) => !owned.has(p));
        r.forget(parts(...gone));
        for (const t of r.adopt(parts(...fresh))) paused.delete(t.partition);
        held = new Set([...held].filter((p) => next.has(p)));
        read = new Set([...read].filter((p) => next.has(p)));
        owned = next;
        reconcile();
      }
      for (const p of owned) {
        if (paused.has(p)) continue;
        pending += batch;
        held.add(p);
        read.add(p);
      }
      peak = Math.max(peak, pending);
      reconcile();
    }
    // Past the bound, each partition can bring at most one batch before it is paused.
    expect(pending).toBeGreaterThanOrEqual(max);
    expect(peak).toBeLessThanOrEqual(max + 12 * batch);
  });
});
