import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Benchmarks run through vitest so they can use the test suite's fake NemoVideo server (TypeScript).
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['bench/**/*.bench-run.ts'],
    testTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
