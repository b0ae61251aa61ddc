import { defineConfig } from 'vitest/config';

/** `npm run test:target`: the release on emulated Raspberry Pi OS userlands (test/target/). */
export default defineConfig({
  test: {
    include: ['test/target/**/*.test.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 90 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
