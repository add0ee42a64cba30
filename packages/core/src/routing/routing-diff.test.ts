import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, type RoutingConfig } from './routing-config.ts';
import { canonicalJson, diffRoutingConfigs, formatRoutingDiff } from './routing-diff.ts';

describe('diffRoutingConfigs', () => {
  it('finds no difference between equal configs, whatever their key order', () => {
    const copy = JSON.parse(JSON.stringify(DEFAULT_ROUTING)) as RoutingConfig;
    const reKeyed = { unmatched: copy.unmatched, rules: copy.rules };
    expect(diffRoutingConfigs(DEFAULT_ROUTING, reKeyed).same).toBe(true);
    expect(canonicalJson(reKeyed)).toBe(canonicalJson(DEFAULT_ROUTING));
    expect(formatRoutingDiff(diffRoutingConfigs(DEFAULT_ROUTING, reKeyed))).toEqual([
      '(no difference)',
    ]);
  });

  it('names rules added, removed and changed, and unmatched', () => {
    const next: RoutingConfig = {
      rules: [
        { name: 'behaviour', match: { type: ['pageview'] }, destinations: ['timescaledb'] },
        { name: 'realtime', match: { type: '*' }, destinations: ['redis'] },
        { name: 'archive', match: { type: '*' }, destinations: ['s3'] },
        { name: 'clicks', match: { type: ['click'] }, destinations: ['elasticsearch'] },
      ],
      unmatched: ['timescaledb'],
    };
    const d = diffRoutingConfigs(DEFAULT_ROUTING, next);
    expect(d.rules.map((c) => `${c.kind} ${c.name}`)).toEqual([
      'changed behaviour',
      'removed errors',
      'added clicks',
    ]);
    expect(d.unmatched).toEqual({ before: [], after: ['timescaledb'] });
    expect(d.reordered).toBe(false);
    expect(formatRoutingDiff(d)).toEqual([
      '~ rule behaviour: type pageview,click → timescaledb  ⇒  type pageview → timescaledb',
      '- rule errors: type error,exception → elasticsearch',
      '+ rule clicks: type click → elasticsearch',
      '~ unmatched: (nowhere)  ⇒  timescaledb',
    ]);
  });

  it('tells a reorder apart', () => {
    const next = { ...DEFAULT_ROUTING, rules: [...DEFAULT_ROUTING.rules].reverse() };
    const d = diffRoutingConfigs(DEFAULT_ROUTING, next);
    expect(d).toMatchObject({ rules: [], reordered: true, same: false });
  });
});
