// The integration suites run one file at a time: they share one broker, database and search
// node on a 2-core machine, kill and freeze processes, and measure time; in parallel they slow
// each other past their timeouts and a frozen service stalls the neighbours.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    fileParallelism: false,
    setupFiles: ['./support/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
