// Late drops in windows whose state is gone. An event later than its window's end + allowed
// lateness + retention finds no window state to count it in (that is what bounds memory), and
// re-opening the window would emit a record that replaces its stored partial with one holding
// only this event. So the aggregator counts such events per window and drain, and emits each
// count as a correction record that ADDS to the window's late_dropped.
//
// A correction carries only what it corrects (no count, no unique users, no sketch), so it
// cannot be mistaken for the window's partial and stored over it. Its `correction` number is
// unique per source partition (a counter kept in the changelog's meta entry, committed with the
// record), so a store keyed by (window, source partition, correction) keeps a replayed
// correction once, and a reader sums late_dropped over the window's partials and corrections.
// Record key: `${window_size}|${window_start}|${type}|${dimensions}|${source_partition}|late@${n}`.

export interface LateDropCorrection {
  window_size: string;
  window_start: string;
  window_end: string;
  type: string;
  dimensions: string;
  source_partition: number;
  /** Late events dropped for this window, to add to its late_dropped. */
  late_dropped: number;
  /** Numbers this partition's corrections: 1, 2, ... */
  correction: number;
  /** Always true: the window closed long ago. */
  final: true;
}

/** Late drops of one window counted since the last drain. */
export interface PendingCorrection {
  /** `${size}|${start ISO}|${type}|${dimensions}`, as the window's own key. */
  key: string;
  size: string;
  start: number;
  end: number;
  type: string;
  dimensions: string;
  lateDropped: number;
}

export function correctionRecord(
  c: PendingCorrection,
  partition: number,
  correction: number,
): { key: string; record: LateDropCorrection } {
  return {
    key: `${c.key}|${partition}|late@${correction}`,
    record: {
      window_size: c.size,
      window_start: new Date(c.start).toISOString(),
      window_end: new Date(c.end).toISOString(),
      type: c.type,
      dimensions: c.dimensions,
      source_partition: partition,
      late_dropped: c.lateDropped,
      correction,
      final: true,
    },
  };
}
