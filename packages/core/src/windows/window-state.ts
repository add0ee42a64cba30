// One tumbling window's partial aggregate for one input partition, and its two encodings: the
// `aggregates` record of the output contract, and the changelog value it is restored from.
import { HyperLogLog } from './hyperloglog.ts';

export interface WindowRecord {
  window_size: string;
  window_start: string;
  window_end: string;
  type: string;
  dimensions: string;
  source_partition: number;
  count: number;
  unique_users: number;
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
    unique_users_sketch: w.users.toBase64(),
    late_accepted: w.lateAccepted,
    late_dropped: w.lateDropped,
    final,
  };
}

export function windowToJson(w: WindowState): string {
  return JSON.stringify({
    z: w.size,
    s: w.start,
    e: w.end,
    t: w.type,
    d: w.dimensions,
    c: w.count,
    la: w.lateAccepted,
    ld: w.lateDropped,
    h: w.users.toBase64(),
    em: w.emitted,
    f: w.finalEmitted,
  });
}

export function windowFromJson(text: string): WindowState {
  const v = JSON.parse(text);
  return {
    key: windowKey(v.z, v.s, v.t, v.d),
    size: v.z,
    start: v.s,
    end: v.e,
    type: v.t,
    dimensions: v.d,
    count: v.c,
    lateAccepted: v.la,
    lateDropped: v.ld,
    users: HyperLogLog.fromBase64(v.h),
    emitted: v.em,
    finalEmitted: v.f,
    changed: false,
    dirty: false,
  };
}
