import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchRoutingConfig } from './routing-file.ts';

const rules = (destinations: string[]) =>
  JSON.stringify({
    rules: [{ name: 'all', match: { type: '*' }, destinations }],
    unmatched: [],
  });

async function until(check: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watchRoutingConfig', () => {
  it('reloads changed rules, and keeps the previous ones when the new file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-routing-'));
    const path = join(dir, 'routing.json');
    writeFileSync(path, rules(['s3']));
    const logs: string[] = [];
    const watch = watchRoutingConfig(path, (m) => logs.push(m), 20);
    try {
      expect(watch.current().rules[0]?.destinations).toEqual(['s3']);

      // Replaced by rename, as config management writes files.
      writeFileSync(join(dir, 'next.json'), rules(['s3', 'redis']));
      renameSync(join(dir, 'next.json'), path);
      await until(() => watch.current().rules[0]?.destinations.length === 2);
      expect(logs.at(-1)).toMatch(/routing rules reloaded from .*routing\.json \(1 rules\)/);

      writeFileSync(path, rules(['nowhere']));
      await until(() => logs.some((l) => l.includes('keeping the previous rules')));
      expect(logs.at(-1)).toMatch(/is invalid:[\s\S]*rules\.0\.destinations/);
      expect(watch.current().rules[0]?.destinations).toEqual(['s3', 'redis']);
    } finally {
      watch.close();
    }
    // Polling the file: slow on a loaded machine, so more time than vitest's default 5 s.
  }, 40_000);
});
