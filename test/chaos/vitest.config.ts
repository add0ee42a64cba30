// `pnpm test:chaos`: the chaos suites, apart from the integration suites (their files end in
// .chaos.ts, which the package's default run does not pick up). One file at a time, like the
// integration suites: they share the local stack and measure recovery times. Short by default;
// CHAOS_LONG=1 (or CHAOS_EVENTS=n) for the long run.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['chaos/**/*.chaos.ts'],
    fileParallelism: false,
    setupFiles: ['./support/setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
