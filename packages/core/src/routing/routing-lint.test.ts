import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, type RoutingConfig } from './routing-config.ts';
import { checkRoutingDraft, lintRoutingConfig } from './routing-lint.ts';

describe('lintRoutingConfig', () => {
  it('finds nothing wrong with the default table', () => {
    expect(lintRoutingConfig(DEFAULT_ROUTING)).toEqual([]);
  });

  it('names a rule an earlier rule covers, an empty rule and a type routed nowhere', () => {
    const config: RoutingConfig = {
      rules: [
        {
          name: 'all',
          match: { type: ['pageview', 'click'] },
          destinations: ['timescaledb', 'redis'],
        },
        {
          name: 'eu',
          match: { type: ['click'], where: { 'geo.country_code': ['DE'] } },
          destinations: ['redis'],
        },
        { name: 'empty', match: { type: ['error'] }, destinations: [] },
        { name: 'odd', match: { type: ['has space'] }, destinations: ['s3'] },
      ],
      unmatched: ['s3'],
    };
    const w = lintRoutingConfig(config);
    expect(w.map((x) => x.path)).toEqual([
      'rules.1',
      'rules.2.destinations',
      'rules.3.match.type.0',
      'rules',
    ]);
    expect(w[0]?.message).toContain('rule "all" matches every event it matches');
    expect(w[3]?.message).toBe('type "error" is routed nowhere');
  });

  it('does not call a narrower rule unreachable when it sends somewhere new', () => {
    const config: RoutingConfig = {
      rules: [
        { name: 'all', match: { type: '*' }, destinations: ['s3'] },
        {
          name: 'de',
          match: { type: ['click'], where: { 'geo.country_code': ['DE'] } },
          destinations: ['redis'],
        },
      ],
      unmatched: [],
    };
    expect(lintRoutingConfig(config)).toEqual([]);
  });

  it('warns when types no rule names go nowhere', () => {
    const w = lintRoutingConfig({
      rules: [
        {
          name: 'b',
          match: { type: ['pageview', 'click', 'error', 'exception'] },
          destinations: ['s3'],
        },
      ],
      unmatched: [],
    });
    expect(w.map((x) => x.path)).toEqual(['unmatched']);
  });
});

describe('checkRoutingDraft', () => {
  it('reports JSON syntax, then schema errors naming the key', () => {
    const syntax = checkRoutingDraft('{"rules": [');
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.errors[0]).toMatch(/^\(json\): not valid JSON/);
    // The text itself is not echoed (errors may be audited).
    const sql = checkRoutingDraft("'; DROP TABLE audit_log; --");
    expect(sql.ok || sql.errors.join()).toBe('(json): not valid JSON');
    const bad = checkRoutingDraft(
      JSON.stringify({
        rules: [{ name: 'x', match: { type: ['a'] }, destinations: ['mysql'] }],
        unmatched: [],
      }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatch(/^rules\.0\.destinations\.0: /);
    const where = checkRoutingDraft(
      JSON.stringify({
        rules: [
          { name: 'x', match: { type: ['a'], where: { 'geo..cc': ['DE'] } }, destinations: [] },
        ],
        unmatched: [],
      }),
    );
    expect(where.ok).toBe(false);
    if (!where.ok) expect(where.errors.join()).toContain('rules.0.match.where.geo..cc');
  });

  it('gives the config and its warnings when it validates', () => {
    const r = checkRoutingDraft(JSON.stringify(DEFAULT_ROUTING));
    expect(r).toEqual({ ok: true, config: DEFAULT_ROUTING, warnings: [] });
  });
});
