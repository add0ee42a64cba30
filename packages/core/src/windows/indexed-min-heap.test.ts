import { describe, expect, it } from 'vitest';
import { IndexedMinHeap, NOT_IN_HEAP } from './indexed-min-heap.ts';

interface Item {
  name: string;
  key: number;
  pos: number;
}

const item = (name: string, key: number): Item => ({ name, key, pos: NOT_IN_HEAP });
const heap = () =>
  new IndexedMinHeap<Item>((a, b) => a.key < b.key, {
    get: (x) => x.pos,
    set: (x, i) => {
      x.pos = i;
    },
  });
const drainAll = (h: IndexedMinHeap<Item>) => {
  const out: string[] = [];
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x.name);
  return out;
};

describe('indexed min-heap', () => {
  it('pops the smallest key first', () => {
    const h = heap();
    for (const [n, k] of [
      ['c', 3],
      ['a', 1],
      ['e', 5],
      ['b', 2],
      ['d', 4],
    ] as const)
      h.update(item(n, k));
    expect(h.peek()?.name).toBe('a');
    expect(drainAll(h)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(h.size).toBe(0);
  });

  it('moves an item whose key was raised or lowered in place', () => {
    const h = heap();
    const items = [item('a', 1), item('b', 2), item('c', 3), item('d', 4)];
    for (const x of items) h.update(x);
    (items[0] as Item).key = 10; // a: first → last
    h.update(items[0] as Item);
    (items[3] as Item).key = 0; // d: last → first
    h.update(items[3] as Item);
    expect(h.size).toBe(4);
    expect(drainAll(h)).toEqual(['d', 'b', 'c', 'a']);
  });

  it('removes any item, and knows which items it holds', () => {
    const h = heap();
    const items = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => item(n, i));
    for (const x of items) h.update(x);
    expect(h.remove(items[2] as Item)).toBe(true);
    expect(h.remove(items[2] as Item)).toBe(false);
    expect(h.has(items[2] as Item)).toBe(false);
    expect(h.has(items[3] as Item)).toBe(true);
    expect(h.has(item('stranger', 0))).toBe(false);
    expect(drainAll(h)).toEqual(['a', 'b', 'd', 'e', 'f']);
  });

  it('matches a sort over random inserts, re-keys and removals', () => {
    let seed = 42;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const h = heap();
    const live = new Set<Item>();
    for (let i = 0; i < 5000; i++) {
      const dice = next();
      const some = [...live][Math.floor(next() * live.size)];
      if (dice < 0.5 || some === undefined) {
        const x = item(`i${i}`, Math.floor(next() * 1000));
        h.update(x);
        live.add(x);
      } else if (dice < 0.8) {
        some.key = Math.floor(next() * 1000);
        h.update(some);
      } else {
        h.remove(some);
        live.delete(some);
      }
    }
    const popped: number[] = [];
    for (let x = h.pop(); x !== undefined; x = h.pop()) popped.push(x.key);
    expect(popped).toEqual([...live].map((x) => x.key).sort((a, b) => a - b));
  });
});
