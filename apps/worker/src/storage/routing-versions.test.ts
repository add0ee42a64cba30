import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ROUTING, type RoutingConfig } from '@sluice/core';
import type { RoutingImport } from '@sluice/db';
import { describe, expect, it } from 'vitest';
import {
  createRoutingSwitch,
  type RoutingVersionSource,
  watchRoutingVersions,
} from './routing-versions.ts';

const only = (d: 'redis' | 's3'): RoutingConfig => ({
  rules: [{ name: 'all', match: { type: '*' }, destinations: [d] }],
  unmatched: [],
});

/** Versions in memory, as routing-version-store.ts keeps them in PostgreSQL. */
function memorySource() {
  const versions: { config: RoutingConfig; file: boolean }[] = [];
  let inForce: number | null = null;
  let down = false;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const source: RoutingVersionSource = {
    versionInForce: async () => {
      if (down) throw new Error('connection refused');
      return inForce;
    },
    config: async (n) => versions[n - 1]?.config ?? null,
    importFile: async (config): Promise<RoutingImport> => {
      if (inForce !== null && same(versions[inForce - 1]?.config, config))
        return { imported: false, version: inForce, why: 'in-force' };
      const before = versions.findIndex((v) => v.file && same(v.config, config));
      if (before >= 0) return { imported: false, version: before + 1, why: 'imported-before' };
      versions.push({ config, file: true });
      const was = inForce;
      inForce = versions.length;
      return { imported: true, before: was, after: inForce };
    },
  };
  return {
    source,
    versions,
    publish(config: RoutingConfig) {
      versions.push({ config, file: false });
      inForce = versions.length;
    },
    rollback(n: number) {
      inForce = n;
    },
    setDown(v: boolean) {
      down = v;
    },
  };
}

describe('watchRoutingVersions', () => {
  it('imports the built-in table as version 1 when nothing is in force, then follows publishes and rollbacks', async () => {
    const db = memorySource();
    const logs: string[] = [];
    const watch = await watchRoutingVersions({
      source: db.source,
      file: undefined,
      log: (m) => logs.push(m),
      pollMs: 60_000,
    });
    expect([watch.version(), watch.current()]).toEqual([1, DEFAULT_ROUTING]);
    db.publish(only('redis'));
    await watch.sync();
    expect([watch.version(), watch.current()]).toEqual([2, only('redis')]);
    db.rollback(1);
    await watch.sync();
    expect([watch.version(), watch.current()]).toEqual([1, DEFAULT_ROUTING]);
    watch.close();
    expect(logs.join('\n')).toContain('the built-in routing table imported as version 1');
  });

  it('imports a file that differs, and not again once a later publish replaced it', async () => {
    const db = memorySource();
    const path = join(mkdtempSync(join(tmpdir(), 'routing-')), 'rules.json');
    writeFileSync(path, JSON.stringify(only('s3')));
    const log = () => {};
    const first = await watchRoutingVersions({
      source: db.source,
      file: path,
      log,
      pollMs: 60_000,
    });
    expect(first.version()).toBe(1);
    first.close();
    db.publish(only('redis'));
    // A writer restarting with the same file keeps the console's version 2.
    const second = await watchRoutingVersions({
      source: db.source,
      file: path,
      log,
      pollMs: 60_000,
    });
    expect([second.version(), second.current()]).toEqual([2, only('redis')]);
    second.close();
    expect(db.versions).toHaveLength(2);
  });

  it('keeps the rules in force while PostgreSQL is away', async () => {
    const db = memorySource();
    const logs: string[] = [];
    const watch = await watchRoutingVersions({
      source: db.source,
      file: undefined,
      log: (m) => logs.push(m),
      pollMs: 60_000,
    });
    db.setDown(true);
    db.publish(only('s3'));
    await watch.sync();
    expect(watch.version()).toBe(1);
    db.setDown(false);
    await watch.sync();
    expect(watch.version()).toBe(2);
    watch.close();
    expect(logs.filter((l) => l.includes('cannot read'))).toHaveLength(1);
  });
});

describe('createRoutingSwitch', () => {
  it('gives the next batch the new router, the batch in hand keeping its own', () => {
    let state = { config: only('redis'), version: 1 as number | null };
    const logs: string[] = [];
    const sw = createRoutingSwitch(
      { current: () => state.config, version: () => state.version },
      { log: (m) => logs.push(m) },
    );
    const batchRouter = sw.router();
    state = { config: only('s3'), version: 2 };
    // The batch in hand keeps the router it took; the next batch gets the new one.
    expect(sw.router()({ type: 'x' }).destinations).toEqual(['s3']);
    expect(batchRouter({ type: 'x' }).destinations).toEqual(['redis']);
    expect(sw.running()).toBe(2);
    expect(logs.at(-1)).toBe('routing: switched from version 1 to 2 at a batch boundary');
  });

  it('reports a new version while idle, with no batch to take it', () => {
    let state = { config: only('redis'), version: 1 as number | null };
    const sw = createRoutingSwitch(
      { current: () => state.config, version: () => state.version },
      { log: () => {} },
    );
    state = { config: only('s3'), version: 2 };
    expect(sw.running()).toBe(2);
    expect(sw.router()({ type: 'x' }).destinations).toEqual(['s3']);
  });
});
