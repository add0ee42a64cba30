// The open windows of one partition. An event finds its window by key; a drain visits only the
// windows that events touched and those whose next deadline the watermark reached: the end (the
// window fires), end + allowed lateness (it becomes final), end + lateness + retention (it is
// purged). The state cap takes the windows that end soonest.
import { DeadlineIndex, type IndexedEntry } from './deadline-index.ts';
import {
  emitWindowRecord,
  type WindowRecord,
  type WindowState,
  windowRecordKey,
} from './window-state.ts';

export interface WindowEmission {
  key: string;
  record: WindowRecord;
}

export interface WindowStore {
  readonly size: number;
  get(key: string): WindowState | undefined;
  has(w: WindowState): boolean;
  /** Stores a window that an event opened: the next drain visits it. */
  add(w: WindowState): void;
  /** Stores a window read back from the changelog. */
  restore(w: WindowState): void;
  /** An event changed the window: the next drain visits it. */
  touch(w: WindowState): void;
  /**
   * Emits the windows the watermark fired or made final and purges those past retention (in the
   * order they were stored, as `purged` is called). Returns the windows it visited and kept,
   * in that order: every window with unsaved changes is among them.
   */
  closeDue(
    watermark: number,
    emit: (e: WindowEmission) => void,
    purged: (w: WindowState) => void,
  ): WindowState[];
  /** The window that ends first (ties: the one stored first). */
  soonestEnding(): WindowState | undefined;
  /** Drops the window before its time, emitting it as final unless it already was, unchanged. */
  evict(w: WindowState, emit: (e: WindowEmission) => void): void;
  /** The latest end among the windows; may instead be one the watermark has passed (see the index). */
  latestEnd(): number;
}

export interface WindowStoreOptions {
  partition: number;
  allowedLatenessMs: number;
  retentionMs: number;
}

export function createWindowStore(o: WindowStoreOptions): WindowStore {
  const lateness = o.allowedLatenessMs;
  const keep = lateness + o.retentionMs;
  const byKey = new Map<string, IndexedEntry<WindowState>>();
  const index = new DeadlineIndex<WindowState>({
    dueAt: (w) =>
      !w.emitted || w.changed ? w.end : !w.finalEmitted ? w.end + lateness : w.end + keep,
    closesAt: (w) => w.end,
  });
  let stored = 0;

  const entryOf = (w: WindowState): IndexedEntry<WindowState> | undefined => {
    const e = byKey.get(w.key);
    return e?.state === w ? e : undefined;
  };

  const emission = (w: WindowState, final: boolean): WindowEmission => ({
    key: windowRecordKey(w, o.partition),
    record: emitWindowRecord(w, o.partition, final),
  });

  function store(w: WindowState): IndexedEntry<WindowState> {
    // A second window under a key replaces the first in its place, as a map entry would.
    const replaced = byKey.get(w.key);
    if (replaced !== undefined) index.delete(replaced);
    const e = index.add(w, replaced?.major ?? stored++, 0);
    byKey.set(w.key, e);
    return e;
  }

  function remove(w: WindowState): void {
    const e = entryOf(w);
    if (e === undefined) return;
    index.delete(e);
    byKey.delete(w.key);
  }

  return {
    get size() {
      return index.size;
    },
    get: (key) => byKey.get(key)?.state,
    has: (w) => entryOf(w) !== undefined,
    add(w) {
      index.touch(store(w));
    },
    restore(w) {
      store(w);
    },
    touch(w) {
      const e = entryOf(w);
      if (e !== undefined) index.touch(e);
    },
    closeDue(watermark, emit, purged) {
      return index
        .visitDue(watermark, ({ state: w }) => {
          if (watermark < w.end) return;
          const final = watermark >= w.end + lateness;
          if (!w.emitted || w.changed || (final && !w.finalEmitted)) emit(emission(w, final));
          if (watermark >= w.end + keep) {
            remove(w);
            w.dirty = false;
            purged(w);
          }
        })
        .map((e) => e.state);
    },
    soonestEnding: () => index.soonestClosing()?.state,
    evict(w, emit) {
      if (!w.finalEmitted || w.changed) emit(emission(w, true));
      remove(w);
    },
    latestEnd: () => index.latestClose(),
  };
}
