import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { TRUNCATION_MARKER, truncateStack, truncateUtf8 } from './bounded-text.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('truncateUtf8', () => {
  it('leaves text within the budget unchanged', () => {
    expect(truncateUtf8('hello', 5)).toBe('hello');
    expect(truncateUtf8('ééé', 6)).toBe('ééé');
  });

  it('cuts to the budget, marker included', () => {
    const out = truncateUtf8('x'.repeat(100), 30);
    expect(bytes(out)).toBeLessThanOrEqual(30);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('never splits a multi-byte character or a surrogate pair', () => {
    for (const ch of ['é', '€', '😀']) {
      for (let max = 16; max < 40; max++) {
        const out = truncateUtf8(ch.repeat(50), max);
        expect(bytes(out)).toBeLessThanOrEqual(max);
        expect(out).not.toContain('\uFFFD');
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
        expect(out.replace(TRUNCATION_MARKER, '').replaceAll(ch, '')).toBe('');
      }
    }
  });

  it('returns empty text when not even the marker fits', () => {
    expect(truncateUtf8('x'.repeat(100), 4)).toBe('');
  });
});

describe('truncateStack', () => {
  const stack = [
    'Error: boom',
    ...Array.from({ length: 50 }, (_, i) => `    at f${i} (a.js:${i})`),
  ].join('\n');

  it('keeps the first lines and marks the cut', () => {
    const out = truncateStack(stack, 3, 10_000);
    expect(out.split('\n').slice(0, 3)).toEqual([
      'Error: boom',
      '    at f0 (a.js:0)',
      '    at f1 (a.js:1)',
    ]);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('applies the byte budget too', () => {
    expect(bytes(truncateStack(stack, 1000, 200))).toBeLessThanOrEqual(200);
  });

  it('leaves a short stack unchanged', () => {
    expect(truncateStack('Error: x\n  at y', 10, 1000)).toBe('Error: x\n  at y');
  });
});
