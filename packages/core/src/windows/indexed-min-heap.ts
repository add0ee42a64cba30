// A binary min-heap whose items can be re-keyed or removed in O(log n): the stores index windows
// and sessions by event time with it, and a session's time moves when a late event extends it.
// Each item keeps its own position in the heap (through the accessors given), so finding it
// needs neither a scan nor a lookup map.
//
// Why our own: the maintained npm heaps (heap-js, tinyqueue, flatqueue, fastpriorityqueue,
// mnemonist's Heap) offer removal of an arbitrary item, if at all, by a linear search, and none
// re-keys in place; an ordered tree (sorted-btree, @js-sdsl/ordered-set) would do but costs a
// dependency and more memory per entry for an index that is only ever read from its minimum.

export interface HeapPosition<T> {
  get(item: T): number;
  set(item: T, index: number): void;
}

/** Position of an item that is in no heap. */
export const NOT_IN_HEAP = -1;

export class IndexedMinHeap<T> {
  readonly #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;
  readonly #pos: HeapPosition<T>;

  /** `before(a, b)`: a must come out first. Keys must not change while an item is in the heap
   * unless `update` is called right after. */
  constructor(before: (a: T, b: T) => boolean, position: HeapPosition<T>) {
    this.#before = before;
    this.#pos = position;
  }

  get size(): number {
    return this.#items.length;
  }

  has(item: T): boolean {
    const i = this.#pos.get(item);
    return i >= 0 && this.#items[i] === item;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** Inserts the item, or moves it to its place after its key changed. */
  update(item: T): void {
    if (!this.has(item)) {
      this.#items.push(item);
      this.#pos.set(item, this.#items.length - 1);
    }
    const i = this.#pos.get(item);
    if (!this.#siftUp(i)) this.#siftDown(i);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): boolean {
    if (!this.has(item)) return false;
    const i = this.#pos.get(item);
    const last = this.#items.pop() as T;
    this.#pos.set(item, NOT_IN_HEAP);
    if (last !== item) {
      this.#items[i] = last;
      this.#pos.set(last, i);
      if (!this.#siftUp(i)) this.#siftDown(i);
    }
    return true;
  }

  /** Returns whether the item moved. */
  #siftUp(i: number): boolean {
    const items = this.#items;
    const item = items[i] as T;
    let at = i;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const p = items[parent] as T;
      if (!this.#before(item, p)) break;
      items[at] = p;
      this.#pos.set(p, at);
      at = parent;
    }
    if (at === i) return false;
    items[at] = item;
    this.#pos.set(item, at);
    return true;
  }

  #siftDown(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i] as T;
    let at = i;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.#before(items[right] as T, items[left] as T)) child = right;
      const c = items[child] as T;
      if (!this.#before(c, item)) break;
      items[at] = c;
      this.#pos.set(c, at);
      at = child;
    }
    if (at === i) return;
    items[at] = item;
    this.#pos.set(item, at);
  }
}
