import { describe, expect, it } from 'vitest';
import { entryIdOf, filterOf, hrefOf, readView, signatureOf } from './dlq-params.ts';

const params = (s: string) => new URLSearchParams(s);

describe('the inbox view in the URL', () => {
  it('reads filters into the API filter, times as UTC', () => {
    const view = readView(
      params('stage=enrichment&status=failed-again&since=2026-11-01T12:00&q=timeout&x=1'),
    );
    expect(filterOf(view)).toEqual({
      stage: 'enrichment',
      status: ['failed-again'],
      sinceMs: Date.UTC(2026, 10, 1, 12, 0),
      text: 'timeout',
    });
  });

  it('leaves out what the API would refuse: an unknown status, short text, a bad time', () => {
    const view = readView(params('status=gone&q=ab&until=yesterday&sig=xyz&entry=-3'));
    expect(filterOf(view)).toEqual({});
    expect(signatureOf(view)).toBeUndefined();
    expect(entryIdOf(view)).toBeUndefined();
  });

  it('writes a view back, removing what a change unsets', () => {
    const view = readView(params(`stage=storage&sig=${'a'.repeat(32)}&entry=7`));
    expect(entryIdOf(view)).toBe(7);
    expect(hrefOf(view, { entry: undefined })).toBe(`/dlq?stage=storage&sig=${'a'.repeat(32)}`);
    expect(hrefOf({})).toBe('/dlq');
  });
});
