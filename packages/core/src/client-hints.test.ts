import { describe, expect, it } from 'vitest';
import {
  hasClientHints,
  parseBrandList,
  parseClientHints,
  parseHintString,
} from './client-hints.ts';

describe('parseBrandList', () => {
  it('drops GREASE brands and keeps versions', () => {
    expect(
      parseBrandList('"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'),
    ).toEqual([
      { brand: 'Chromium', version: '124' },
      { brand: 'Google Chrome', version: '124' },
    ]);
    expect(parseBrandList('" Not A;Brand";v="99", "Chromium";v="90"')).toEqual([
      { brand: 'Chromium', version: '90' },
    ]);
  });

  it('returns nothing for absent or malformed lists', () => {
    expect(parseBrandList(undefined)).toEqual([]);
    expect(parseBrandList('garbage')).toEqual([]);
  });
});

describe('parseHintString', () => {
  it('unquotes sf-strings and treats empty and Unknown as absent', () => {
    expect(parseHintString('"Windows"')).toBe('Windows');
    expect(parseHintString('"a \\"b\\""')).toBe('a "b"');
    expect(parseHintString('""')).toBeUndefined();
    expect(parseHintString('"Unknown"')).toBeUndefined();
  });
});

describe('parseClientHints', () => {
  it('prefers the specific brand and the full version list', () => {
    const parsed = parseClientHints({
      'sec-ch-ua': '"Chromium";v="124", "Microsoft Edge";v="124", "Not-A.Brand";v="99"',
      'sec-ch-ua-full-version-list':
        '"Chromium";v="124.0.6367.91", "Microsoft Edge";v="124.0.2478.67", "Not-A.Brand";v="99.0.0.0"',
    });
    expect(parsed).toMatchObject({
      browser: 'Edge',
      browserVersion: '124.0.2478.67',
      browserMajor: '124',
      chromium: true,
    });
  });

  it('maps Windows platform versions to marketing versions', () => {
    const v = (version: string) =>
      parseClientHints({
        'sec-ch-ua-platform': '"Windows"',
        'sec-ch-ua-platform-version': `"${version}"`,
      }).osVersion;
    expect(v('15.0.0')).toBe('11');
    expect(v('10.0.0')).toBe('10');
    expect(v('0.3.0')).toBe('8.1');
    expect(v('0.1.0')).toBe('7');
  });

  it('reads mobile, model and platform naming', () => {
    expect(
      parseClientHints({
        'sec-ch-ua-mobile': '?1',
        'sec-ch-ua-model': '"Pixel 7"',
        'sec-ch-ua-platform': '"Android"',
        'sec-ch-ua-platform-version': '"14.0.0"',
      }),
    ).toMatchObject({ mobile: true, model: 'Pixel 7', os: 'Android', osVersion: '14.0.0' });
    expect(parseClientHints({ 'sec-ch-ua-platform': '"macOS"' }).os).toBe('Mac OS');
    expect(parseClientHints({ 'sec-ch-ua-mobile': '?0' }).mobile).toBe(false);
    expect(parseClientHints({}).mobile).toBeUndefined();
  });
});

describe('hasClientHints', () => {
  it('is false for absent or empty hints', () => {
    expect(hasClientHints(undefined)).toBe(false);
    expect(hasClientHints({})).toBe(false);
    expect(hasClientHints({ 'sec-ch-ua-mobile': '?0' })).toBe(true);
  });
});
