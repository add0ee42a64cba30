import { describe, expect, it } from 'vitest';
import { createUaEnricher } from './ua-enricher.ts';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const IPAD =
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
const ANDROID_REDUCED =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const CURL = 'curl/8.5.0';

describe('createUaEnricher', () => {
  it('parses a desktop browser and defaults device_type to desktop', () => {
    expect(createUaEnricher().enrich(CHROME_WINDOWS)).toEqual({
      browser: 'Chrome',
      browser_version: '124.0.0.0',
      browser_major: '124',
      engine: 'Blink',
      os: 'Windows',
      os_version: '10',
      device_type: 'desktop',
      device_vendor: null,
      device_model: null,
      is_bot: false,
    });
  });

  it('parses a mobile phone', () => {
    expect(createUaEnricher().enrich(IPHONE)).toMatchObject({
      browser: 'Mobile Safari',
      os: 'iOS',
      os_version: '17.4',
      device_type: 'mobile',
      device_vendor: 'Apple',
      device_model: 'iPhone',
      is_bot: false,
    });
  });

  it('parses a tablet', () => {
    expect(createUaEnricher().enrich(IPAD)).toMatchObject({
      device_type: 'tablet',
      device_model: 'iPad',
    });
  });

  it.each([
    GOOGLEBOT,
    CURL,
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  ])('recognises %s as a bot', (ua) => {
    expect(createUaEnricher().enrich(ua)?.is_bot).toBe(true);
  });

  it('returns null without a user agent or hints', () => {
    const enricher = createUaEnricher();
    expect(enricher.enrich(undefined)).toBeNull();
    expect(enricher.enrich('', {})).toBeNull();
  });

  it('prefers Client Hints over the frozen UA string', () => {
    const info = createUaEnricher().enrich(CHROME_WINDOWS, {
      'sec-ch-ua': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
      'sec-ch-ua-full-version-list':
        '"Chromium";v="124.0.6367.91", "Google Chrome";v="124.0.6367.91", "Not-A.Brand";v="99.0.0.0"',
      'sec-ch-ua-mobile': '?0',
      'sec-ch-ua-platform': '"Windows"',
      'sec-ch-ua-platform-version': '"15.0.0"',
    });
    expect(info).toMatchObject({
      browser: 'Chrome',
      browser_version: '124.0.6367.91',
      browser_major: '124',
      os: 'Windows',
      os_version: '11',
      device_type: 'desktop',
    });
  });

  it('takes the real model and mobile flag from hints on a reduced Android UA', () => {
    const info = createUaEnricher().enrich(ANDROID_REDUCED, {
      'sec-ch-ua-mobile': '?1',
      'sec-ch-ua-model': '"Pixel 7"',
      'sec-ch-ua-platform': '"Android"',
      'sec-ch-ua-platform-version': '"14.0.0"',
    });
    expect(info).toMatchObject({
      device_type: 'mobile',
      device_model: 'Pixel 7',
      os: 'Android',
      os_version: '14.0.0',
    });
  });

  it('uses hints alone when the UA string is absent', () => {
    const info = createUaEnricher().enrich(undefined, {
      'sec-ch-ua': '"Chromium";v="124", "Microsoft Edge";v="124"',
      'sec-ch-ua-platform': '"macOS"',
    });
    expect(info).toMatchObject({
      browser: 'Edge',
      browser_major: '124',
      browser_version: null,
      engine: 'Blink',
      os: 'Mac OS',
      os_version: null,
      is_bot: false,
    });
  });

  it('does not mix a UA-string version into a different hinted browser', () => {
    const info = createUaEnricher().enrich(CHROME_WINDOWS, {
      'sec-ch-ua': '"Chromium";v="124", "Brave";v="124"',
    });
    expect(info).toMatchObject({ browser: 'Brave', browser_major: '124', browser_version: null });
  });

  it('caches by UA plus hints and counts hits and misses', () => {
    const enricher = createUaEnricher();
    const a = enricher.enrich(CHROME_WINDOWS);
    expect(enricher.enrich(CHROME_WINDOWS)).toBe(a);
    const hinted = enricher.enrich(CHROME_WINDOWS, { 'sec-ch-ua-mobile': '?1' });
    expect(hinted?.device_type).toBe('mobile');
    expect(enricher.enrich(CHROME_WINDOWS)?.device_type).toBe('desktop');
    expect(enricher.stats()).toMatchObject({ hits: 2, misses: 2, size: 2 });
  });

  it('keeps the cache within its bound', () => {
    const enricher = createUaEnricher({ cacheSize: 4 });
    for (let i = 0; i < 30; i++) {
      enricher.enrich(`${CHROME_WINDOWS} build/${i}`);
      expect(enricher.stats().size).toBeLessThanOrEqual(4);
    }
    expect(enricher.stats()).toMatchObject({ size: 4, misses: 30 });
  });
});
