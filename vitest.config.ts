import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/temp-dirs-setup.ts'],
    globalSetup: ['test/helpers/temp-leak-check.ts'],
    exclude: ['test/interop/**', 'test/web-browser/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
