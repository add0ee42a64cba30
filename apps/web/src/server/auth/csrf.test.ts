import { describe, expect, it } from 'vitest';
import { checkSameOrigin, requestOriginFrom } from './csrf.ts';

const trusted = ['http://127.0.0.1:3000', 'https://console.example'];
const check = (origin: string | null, fetchSite: string | null = null) =>
  checkSameOrigin({ origin, fetchSite }, trusted);

describe('checkSameOrigin', () => {
  it("accepts the console's own origins", () => {
    expect(check('http://127.0.0.1:3000', 'same-origin')).toEqual({ ok: true });
    expect(check('https://console.example')).toEqual({ ok: true });
  });

  it('refuses any other origin, however close', () => {
    for (const origin of [
      'http://evil.example',
      'http://127.0.0.1:3001',
      'https://127.0.0.1:3000',
      'https://console.example.evil.example',
      'http://localhost:3000',
      'HTTPS://CONSOLE.EXAMPLE',
      '',
    ]) {
      expect(check(origin, 'same-origin')).toEqual({ ok: false, reason: 'foreign-origin' });
    }
  });

  it('refuses the opaque origin "null" (sandboxed frames, data: URLs)', () => {
    expect(check('null')).toEqual({ ok: false, reason: 'null-origin' });
  });

  it('without an Origin, accepts only Sec-Fetch-Site: same-origin', () => {
    expect(check(null, 'same-origin')).toEqual({ ok: true });
    for (const site of ['same-site', 'cross-site', 'none']) {
      expect(check(null, site)).toEqual({ ok: false, reason: 'cross-site' });
    }
  });

  it('refuses a request that says nothing about where it comes from', () => {
    expect(check(null, null)).toEqual({ ok: false, reason: 'missing-origin' });
  });
});

describe('requestOriginFrom', () => {
  it('reads Origin and Sec-Fetch-Site', () => {
    const headers = new Headers({ origin: 'http://a.example', 'sec-fetch-site': 'cross-site' });
    expect(requestOriginFrom(headers)).toEqual({
      origin: 'http://a.example',
      fetchSite: 'cross-site',
    });
    expect(requestOriginFrom(new Headers())).toEqual({ origin: null, fetchSite: null });
  });
});
