import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The emulated-Pi suite builds releases and userlands: `npm run test:target` (vitest.target.config.ts).
    exclude: ['test/target/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Hardware contract suites run only on a Pi (TILLQR_HARDWARE=1); they skip themselves elsewhere.
  },
});
