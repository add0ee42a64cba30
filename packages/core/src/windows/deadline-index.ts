// The index that the window store and the session store share: their entries by the watermark
// value at which each next needs a visit (fire, become final, purge) and by the time it closes
// (for the state cap), so that a drain visits only what events touched and what the watermark
// reached, and eviction takes the soonest-closing entries without sorting the state.
//
// Visiting order is the order in which the entries were stored (major, then minor): the same
// order in which the aggregator walked its maps before the index existed, so records and
// changelog entries still come out in that order.
import { IndexedMinHeap, NOT_IN_HEAP } from './indexed-min-heap.ts';

export interface IndexedEntry<T> {
  readonly state: T;
  readonly major: number;
  readonly minor: number;
  /** The keys the entry is filed under; refreshed only together with its heap position. */
  dueAt: number;
  closesAt: number;
  duePos: number;
  closePos: number;
  live: boolean;
}

export interface EntryTimes<T> {
  /** Watermark value at or after which the entry must be visited again. */
  dueAt(state: T): number;
  /** When the entry closes: the state cap evicts the smallest first. */
  closesAt(state: T): number;
}

const inOrder = <T>(a: IndexedEntry<T>, b: IndexedEntry<T>): number =>
  a.major - b.major || a.minor - b.minor;

export class DeadlineIndex<T> {
  readonly #times: EntryTimes<T>;
  readonly #due = new IndexedMinHeap<IndexedEntry<T>>((a, b) => a.dueAt < b.dueAt, {
    get: (e) => e.duePos,
    set: (e, i) => {
      e.duePos = i;
    },
  });
  readonly #closing = new IndexedMinHeap<IndexedEntry<T>>(
    (a, b) => a.closesAt < b.closesAt || (a.closesAt === b.closesAt && inOrder(a, b) < 0),
    {
      get: (e) => e.closePos,
      set: (e, i) => {
        e.closePos = i;
      },
    },
  );
  /** Touched since the last visit: their times may have moved, their state is unsaved. */
  readonly #touched = new Set<IndexedEntry<T>>();
  #size = 0;
  #latestClose = Number.NEGATIVE_INFINITY;

  constructor(times: EntryTimes<T>) {
    this.#times = times;
  }

  get size(): number {
    return this.#size;
  }

  /** Files an entry under its current times; touch it too if its state is unsaved. */
  add(state: T, major: number, minor: number): IndexedEntry<T> {
    const e: IndexedEntry<T> = {
      state,
      major,
      minor,
      dueAt: this.#times.dueAt(state),
      closesAt: this.#times.closesAt(state),
      duePos: NOT_IN_HEAP,
      closePos: NOT_IN_HEAP,
      live: true,
    };
    this.#size++;
    this.#due.update(e);
    this.#closing.update(e);
    if (e.closesAt > this.#latestClose) this.#latestClose = e.closesAt;
    return e;
  }

  /** The entry's state changed: it is visited at the next `visitDue` and re-filed then. */
  touch(e: IndexedEntry<T>): void {
    this.#touched.add(e);
    const closes = this.#times.closesAt(e.state);
    if (closes > this.#latestClose) this.#latestClose = closes;
  }

  delete(e: IndexedEntry<T>): void {
    if (!e.live) return;
    e.live = false;
    this.#size--;
    this.#due.remove(e);
    this.#closing.remove(e);
    this.#touched.delete(e);
    if (this.#size === 0) this.#latestClose = Number.NEGATIVE_INFINITY;
  }

  /**
   * Visits, in stored order, the touched entries and those due at `watermark`; `visit` may
   * delete the entry. The survivors are re-filed under their new times and returned in order.
   */
  visitDue(watermark: number, visit: (e: IndexedEntry<T>) => void): IndexedEntry<T>[] {
    const visiting = [...this.#touched];
    for (let top = this.#due.peek(); top !== undefined && top.dueAt <= watermark; ) {
      this.#due.pop();
      // A touched entry may be due as well: it is in the list already.
      if (!this.#touched.has(top)) visiting.push(top);
      top = this.#due.peek();
    }
    this.#touched.clear();
    visiting.sort(inOrder);
    const survivors: IndexedEntry<T>[] = [];
    for (const e of visiting) {
      if (e.live) visit(e);
      if (!e.live) continue;
      this.#refile(e);
      survivors.push(e);
    }
    return survivors;
  }

  /** The entry that closes first (ties: the one stored first). */
  soonestClosing(): IndexedEntry<T> | undefined {
    return this.#closing.peek();
  }

  /**
   * The highest close time among the entries, or one no higher than a watermark the partition
   * has reached (which the idle check starts from anyway). Kept as a running maximum, reset when
   * the index empties, rather than a second heap: the stores delete an entry only when it is
   * purged (its close time is behind the watermark then), when it is evicted (it closed soonest,
   * so every entry left closes no earlier), or when it is merged into one that closes no earlier.
   */
  latestClose(): number {
    return this.#latestClose;
  }

  #refile(e: IndexedEntry<T>): void {
    const due = this.#times.dueAt(e.state);
    if (due !== e.dueAt || !this.#due.has(e)) {
      e.dueAt = due;
      this.#due.update(e);
    }
    const closes = this.#times.closesAt(e.state);
    if (closes !== e.closesAt) {
      e.closesAt = closes;
      this.#closing.update(e);
    }
  }
}
