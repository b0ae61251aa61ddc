import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Hardware contract suites run only on a Pi (TILLQR_HARDWARE=1); they skip themselves elsewhere.
  },
});
