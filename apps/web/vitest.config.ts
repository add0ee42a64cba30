import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '~': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts'],
    // Router suites share the one local PostgreSQL; each has its own schema.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
