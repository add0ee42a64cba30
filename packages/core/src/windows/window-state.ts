// One tumbling window's partial aggregate for one input partition, and the `aggregates` record
// of the output contract it is emitted as. Its changelog value is in changelog-codec.ts.
import { HyperLogLog, type SketchMode } from './hyperloglog.ts';

export interface WindowRecord {
  window_size: string;
  window_start: string;
  window_end: string;
  type: string;
  dimensions: string;
  source_partition: number;
  count: number;
  unique_users: number;
  /** `exact` while the sketch holds every user's hash, else `estimate`. */
  unique_users_mode: SketchMode;
  /** The relative standard error of unique_users: 0 when exact. */
  unique_users_standard_error: number;
  unique_users_sketch: string;
  late_accepted: number;
  late_dropped: number;
  final: boolean;
}

export interface WindowState {
  /** `${size}|${start ISO}|${type}|${dimensions}`: the record key without the partition. */
  key: string;
  size: string;
  start: number;
  end: number;
  type: string;
  dimensions: string;
  count: number;
  lateAccepted: number;
  lateDropped: number;
  users: HyperLogLog;
  emitted: boolean;
  finalEmitted: boolean;
  changed: boolean;
  dirty: boolean;
}

export function windowKey(size: string, start: number, type: string, dimensions: string): string {
  return `${size}|${new Date(start).toISOString()}|${type}|${dimensions}`;
}

export function newWindow(
  size: string,
  sizeMs: number,
  start: number,
  type: string,
  dimensions: string,
): WindowState {
  return {
    key: windowKey(size, start, type, dimensions),
    size,
    start,
    end: start + sizeMs,
    type,
    dimensions,
    count: 0,
    lateAccepted: 0,
    lateDropped: 0,
    users: new HyperLogLog(),
    emitted: false,
    finalEmitted: false,
    changed: true,
    dirty: true,
  };
}

/** The record key of the output contract: `${window_size}|${window_start}|${type}|${dimensions}|${source_partition}`. */
export const windowRecordKey = (w: WindowState, partition: number): string =>
  `${w.key}|${partition}`;

/** The window's record; marks it emitted (and final, when it is). */
export function emitWindowRecord(w: WindowState, partition: number, final: boolean): WindowRecord {
  const record = windowRecord(w, partition, final);
  w.emitted = true;
  w.changed = false;
  if (final) w.finalEmitted = true;
  w.dirty = true;
  return record;
}

export function windowRecord(w: WindowState, partition: number, final: boolean): WindowRecord {
  return {
    window_size: w.size,
    window_start: new Date(w.start).toISOString(),
    window_end: new Date(w.end).toISOString(),
    type: w.type,
    dimensions: w.dimensions,
    source_partition: partition,
    count: w.count,
    unique_users: Math.round(w.users.estimate()),
    unique_users_mode: w.users.mode(),
    unique_users_standard_error: w.users.standardError(),
    unique_users_sketch: w.users.toBase64(),
    late_accepted: w.lateAccepted,
    late_dropped: w.lateDropped,
    final,
  };
}
