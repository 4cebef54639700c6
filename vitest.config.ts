import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
    coverage: {
      // vitest's v8 provider, plus the V8 coverage of the bins the tests spawn (serve, stdio, simulator, …).
      provider: 'custom',
      customProviderModule: './scripts/coverage-provider.mjs',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/test-support/**', 'src/cli.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 85, branches: 85 },
    },
  },
});
