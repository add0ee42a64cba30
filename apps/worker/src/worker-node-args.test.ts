import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from './stack/stack-paths.ts';
import { WORKER_NODE_ARGS } from './worker-node-args.ts';

describe('worker node options', () => {
  // The image and the compose replicas spell the command line out: they must not drift.
  it.each([
    ['docker/worker.Dockerfile', /^ENTRYPOINT (.*)$/m],
    ['docker/compose.native.yml', /exec \/usr\/bin\/tini -- (node .*)$/m],
  ])('%s starts node with every one of them', (file, line) => {
    const text = readFileSync(join(findRepoRoot(), file), 'utf8');
    const command = line.exec(text)?.[1];
    expect(command).toBeDefined();
    for (const arg of WORKER_NODE_ARGS) expect(command).toContain(arg);
  });
});
