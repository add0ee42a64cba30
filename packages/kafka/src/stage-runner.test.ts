import { describe, expect, it } from 'vitest';
import { transactionOffsets } from './stage-runner.ts';

const tp = (partition: number) => ({ topic: 'in', partition });

describe('transactionOffsets', () => {
  const committed = new Map([
    [0, 10],
    [1, 20],
  ]);
  const committedOf = (t: { partition: number }) => committed.get(t.partition);

  it('commits every owned partition: the advanced at their position, the others again', () => {
    expect(
      transactionOffsets([tp(0), tp(1)], [{ ...tp(1), offset: 25 }], committedOf, 'r.1'),
    ).toEqual([
      { ...tp(0), offset: 10, metadata: 'r.1' },
      { ...tp(1), offset: 25, metadata: 'r.1' },
    ]);
  });

  it('still commits offsets when nothing advanced (an idle tick), so the group checks the member', () => {
    expect(transactionOffsets([tp(0), tp(1)], [], committedOf, 'r.2')).toEqual([
      { ...tp(0), offset: 10, metadata: 'r.2' },
      { ...tp(1), offset: 20, metadata: 'r.2' },
    ]);
  });

  it('leaves out an owned partition with neither a commit nor a new position', () => {
    expect(transactionOffsets([tp(0), tp(2)], [], committedOf, 'r.3')).toEqual([
      { ...tp(0), offset: 10, metadata: 'r.3' },
    ]);
    expect(transactionOffsets([tp(2)], [{ ...tp(2), offset: 3 }], committedOf, 'r.4')).toEqual([
      { ...tp(2), offset: 3, metadata: 'r.4' },
    ]);
  });

  it('never commits a partition this member does not own', () => {
    expect(transactionOffsets([tp(0)], [{ ...tp(5), offset: 9 }], committedOf, 'r.5')).toEqual([
      { ...tp(0), offset: 10, metadata: 'r.5' },
    ]);
  });
});
