import { defineConfig } from 'vitest/config';

// The browser suite (`npm run test:e2e`): headless Chromium against the built bin. Kept out of vitest.config.ts
// so `npm test` passes on a machine without Chromium.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
