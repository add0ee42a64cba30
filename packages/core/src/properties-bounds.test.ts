import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_LIMITS } from './event-limits.ts';
import { checkPropertyBounds } from './properties-bounds.ts';

const limits = {
  ...DEFAULT_EVENT_LIMITS,
  maxPropertyEntries: 5,
  maxPropertyDepth: 2,
  maxPropertyKeyLength: 4,
  maxPropertyStringLength: 3,
};

describe('checkPropertyBounds', () => {
  it('accepts a value within every bound', () => {
    expect(checkPropertyBounds({ a: 'abc', b: [1, 2], c: null }, limits)).toBeUndefined();
  });

  it('names the path of a string that is too long', () => {
    expect(checkPropertyBounds({ a: { b: 'abcd' } }, limits)).toEqual({
      message: 'string longer than 3 characters',
      path: ['a', 'b'],
    });
  });

  it('rejects a key that is too long', () => {
    expect(checkPropertyBounds({ abcde: 1 }, limits)?.path).toEqual(['abcde']);
  });

  it('rejects nesting deeper than the limit', () => {
    const v = checkPropertyBounds({ a: { b: { c: 1 } } }, limits);
    expect(v?.message).toBe('nested deeper than 2 levels');
    expect(v?.path).toEqual(['a', 'b']);
  });

  it('counts keys and array items together across the tree', () => {
    const v = checkPropertyBounds({ a: [1, 2, 3], b: 1, c: 1 }, limits);
    expect(v).toEqual({ message: 'more than 5 entries', path: ['c'] });
    expect(checkPropertyBounds({ a: [1, 2, 3], b: 1 }, limits)).toBeUndefined();
  });
});
