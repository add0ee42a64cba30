import { describe, expect, it } from 'vitest';
import { DeadlineIndex } from './deadline-index.ts';

/** A stand-in state: due when `due` is reached, closes at `closes`. */
interface Thing {
  name: string;
  due: number;
  closes: number;
}

const thing = (name: string, due: number, closes = due): Thing => ({ name, due, closes });
const newIndex = () => new DeadlineIndex<Thing>({ dueAt: (t) => t.due, closesAt: (t) => t.closes });
const names = (xs: { state: Thing }[]) => xs.map((e) => e.state.name);

describe('deadline index', () => {
  it('visits the touched entries and those due, in the order they were stored', () => {
    const index = newIndex();
    index.add(thing('early', 10), 3, 0);
    index.add(thing('later', 50), 1, 0);
    const touched = index.add(thing('touched', 90), 2, 0);
    index.touch(touched);
    // As the stores' visits do, a visit moves a due entry's deadline past the watermark.
    const visitAt = (watermark: number) =>
      names(
        index.visitDue(watermark, (e) => {
          if (e.state.due <= watermark) e.state.due = watermark + 50;
        }),
      );
    expect(visitAt(20)).toEqual(['touched', 'early']);
    // Nothing touched and nothing newly due: nothing to visit.
    expect(visitAt(20)).toEqual([]);
    // Each re-filed under the time it had after its visit.
    expect(visitAt(60)).toEqual(['later']);
    expect(visitAt(70)).toEqual(['early']);
    expect(visitAt(110)).toEqual(['later', 'touched']);
  });

  it('orders by major, then minor', () => {
    const index = newIndex();
    index.add(thing('b2', 0), 1, 5);
    index.add(thing('a', 0), 0, 9);
    index.add(thing('b1', 0), 1, 4);
    expect(names(index.visitDue(0, () => {}))).toEqual(['a', 'b1', 'b2']);
  });

  it('drops an entry deleted while visited, and skips one deleted before its turn', () => {
    const index = newIndex();
    const a = index.add(thing('a', 1), 0, 0);
    const b = index.add(thing('b', 1), 1, 0);
    index.add(thing('c', 1), 2, 0);
    const visited: string[] = [];
    const kept = index.visitDue(5, (e) => {
      visited.push(e.state.name);
      if (e === a) {
        index.delete(a);
        index.delete(b);
      }
    });
    expect(visited).toEqual(['a', 'c']);
    expect(names(kept)).toEqual(['c']);
    expect(index.size).toBe(1);
  });

  it('gives the soonest-closing entry, the first stored on a tie, re-filed when its close moves', () => {
    const index = newIndex();
    const x = index.add(thing('x', 100, 30), 2, 0);
    index.add(thing('y', 100, 30), 1, 0);
    index.add(thing('z', 100, 40), 0, 0);
    expect(index.soonestClosing()?.state.name).toBe('y');
    x.state.closes = 20;
    index.touch(x);
    expect(index.soonestClosing()?.state.name).toBe('y'); // not re-filed before the visit
    index.visitDue(0, () => {});
    expect(index.soonestClosing()?.state.name).toBe('x');
  });

  it('keeps the latest close, and forgets it once the index is empty', () => {
    const index = newIndex();
    const a = index.add(thing('a', 0, 100), 0, 0);
    const b = index.add(thing('b', 0, 40), 1, 0);
    expect(index.latestClose()).toBe(100);
    b.state.closes = 120;
    index.touch(b);
    expect(index.latestClose()).toBe(120);
    index.delete(a);
    index.delete(b);
    expect(index.latestClose()).toBe(Number.NEGATIVE_INFINITY);
    index.add(thing('c', 0, 50), 2, 0);
    expect(index.latestClose()).toBe(50);
  });
});
