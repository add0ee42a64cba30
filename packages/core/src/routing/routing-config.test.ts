import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, parseRoutingConfig } from './routing-config.ts';

describe('parseRoutingConfig', () => {
  it('accepts the default table', () => {
    expect(parseRoutingConfig(DEFAULT_ROUTING)).toEqual({ ok: true, config: DEFAULT_ROUTING });
  });

  it('names the key of every error', () => {
    const r = parseRoutingConfig({
      rules: [
        { name: 'a', match: { type: ['pageview'] }, destinations: ['postgres'] },
        { name: 'a', match: { type: [] }, destinations: [] },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules\.0\.destinations\.0: /),
        expect.stringMatching(/^rules\.1\.match\.type: /),
        expect.stringMatching(/^unmatched: /),
      ]),
    );
  });

  it('reports a duplicate rule name at its key', () => {
    const rule = { name: 'x', match: { type: '*' }, destinations: ['s3'] };
    const r = parseRoutingConfig({ rules: [rule, rule], unmatched: [] });
    expect(r).toEqual({ ok: false, errors: ['rules.1.name: duplicate rule name'] });
  });

  it('rejects unknown keys rather than ignore a typo', () => {
    const r = parseRoutingConfig({ rules: [], unmatched: [], unmached: ['s3'] });
    expect(r.ok).toBe(false);
  });
});
