import { describe, expect, it } from 'vitest';
import { errorClassOf, isRetryableError, TransientLookupError } from './error-classification.ts';

const withProps = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);

describe('isRetryableError', () => {
  it('retries transient faults', () => {
    expect(isRetryableError(new TransientLookupError('reloading'))).toBe(true);
    expect(isRetryableError(withProps({ code: 'ETIMEDOUT' }))).toBe(true);
    expect(isRetryableError(withProps({ code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(withProps({ retriable: true }))).toBe(true);
    expect(isRetryableError(withProps({ name: 'TimeoutError' }))).toBe(true);
  });

  it('does not retry bugs or permanent faults', () => {
    expect(isRetryableError(new TypeError('x is undefined'))).toBe(false);
    expect(isRetryableError(withProps({ code: 'ENOENT' }))).toBe(false);
    expect(isRetryableError(withProps({ retriable: false }))).toBe(false);
    expect(isRetryableError('ETIMEDOUT')).toBe(false);
    expect(isRetryableError(undefined)).toBe(false);
  });
});

describe('errorClassOf', () => {
  it('names errors by class', () => {
    expect(errorClassOf(new TypeError('x'))).toBe('TypeError');
    expect(errorClassOf(new TransientLookupError('x'))).toBe('TransientLookupError');
    expect(errorClassOf('oops')).toBe('NonError(string)');
    expect(errorClassOf(null)).toBe('null');
  });
});
