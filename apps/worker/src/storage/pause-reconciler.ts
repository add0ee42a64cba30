// Backpressure for the storage writers, level-triggered: at every tick (and after every batch)
// the set of partitions that must be paused is recomputed from what is true now (each sink's
// buffer and health, the partitions each sink still holds back, what this member owns) and the
// consumer's paused set is made equal to it. Pausing once when a sink filled up and resuming once
// when it drained (edge-triggered) missed every partition assigned in between: never paused, they
// fed the full sink's buffer without bound.
//
// A sink is saturated from STORAGE_MAX_PENDING records until it is up and below half of that
// (core's `backpressure` hysteresis). A saturated sink pauses the owned partitions it holds back,
// and those nothing was read of since they were assigned (they may bring it records too): so past
// the bound each partition brings at most one more batch, however often partitions move. A sink
// that is down but within its bound pauses nothing, so the other sinks keep flowing.
import { backpressure, type TopicPartition } from '@sluice/core';

export interface SinkLoad {
  readonly name: string;
  /** Records handed to the sink and not yet durable. */
  readonly pending: number;
  readonly up: boolean;
}

export interface PauseInputs {
  /** The partitions this member owns now. */
  readonly owned: readonly TopicPartition[];
  readonly sinks: readonly SinkLoad[];
  /** Partitions with records the sink has not made durable yet. */
  heldBack(sink: string): readonly TopicPartition[];
  /** Owned partitions nothing was read of since they were assigned. */
  readonly unread: readonly TopicPartition[];
  /** Whether the partition's records can go to the sink at all (default: they can). */
  mayFeed?(sink: string, tp: TopicPartition): boolean;
  /** Stopping: every owned partition is paused, whatever the sinks say. */
  readonly pauseAll?: boolean;
}

export interface PausePlan {
  /** Apply both: then the consumer's paused set is the one wanted now. */
  readonly pause: readonly TopicPartition[];
  readonly resume: readonly TopicPartition[];
  /** Per sink, the owned partitions paused for it (0 when it is within its bound). */
  readonly pausedFor: ReadonlyMap<string, number>;
  /** Sinks that reached their bound at this reconcile, and sinks released at it. */
  readonly saturated: readonly string[];
  readonly released: readonly string[];
}

export interface PauseReconciler {
  reconcile(inputs: PauseInputs): PausePlan;
  /**
   * Newly assigned partitions, to resume: librdkafka keeps a partition's pause through an
   * unassign, so one paused under an earlier ownership would otherwise never be read again. The
   * next reconcile pauses those that must be.
   */
  adopt(tps: readonly TopicPartition[]): readonly TopicPartition[];
  /** Partitions given up: no longer ours to pause or resume. */
  forget(tps: readonly TopicPartition[]): void;
  /** The partitions paused now, as far as this reconciler paused them. */
  paused(): TopicPartition[];
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export function createPauseReconciler(o: { maxPending: number }): PauseReconciler {
  const saturated = new Set<string>();
  let paused = new Map<string, TopicPartition>();

  return {
    reconcile(inputs) {
      const became: string[] = [];
      const released: string[] = [];
      for (const s of inputs.sinks) {
        const was = saturated.has(s.name);
        const d = backpressure(s.pending, o.maxPending, was);
        if (d === 'pause') {
          saturated.add(s.name);
          became.push(s.name);
        } else if (d === 'resume' && s.up) {
          saturated.delete(s.name);
          released.push(s.name);
        }
      }

      const owned = new Map(inputs.owned.map((tp) => [key(tp), tp]));
      const wanted = new Map<string, TopicPartition>(inputs.pauseAll ? owned : []);
      const pausedFor = new Map<string, number>();
      for (const s of inputs.sinks) {
        let n = 0;
        if (saturated.has(s.name)) {
          const unread = inputs.unread.filter((tp) => inputs.mayFeed?.(s.name, tp) ?? true);
          const counted = new Set<string>();
          for (const tp of [...inputs.heldBack(s.name), ...unread]) {
            const k = key(tp);
            const mine = owned.get(k);
            if (mine === undefined || counted.has(k)) continue;
            counted.add(k);
            wanted.set(k, mine);
            n++;
          }
        }
        pausedFor.set(s.name, n);
      }

      const pause = [...wanted].filter(([k]) => !paused.has(k)).map(([, tp]) => tp);
      // What is paused and owned but no longer wanted; what is no longer owned just drops out.
      const resume = [...paused]
        .filter(([k]) => owned.has(k) && !wanted.has(k))
        .map(([, tp]) => tp);
      paused = wanted;
      return { pause, resume, pausedFor, saturated: became, released };
    },
    adopt(tps) {
      for (const tp of tps) paused.delete(key(tp));
      return tps;
    },
    forget(tps) {
      for (const tp of tps) paused.delete(key(tp));
    },
    paused: () => [...paused.values()],
  };
}
