import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    setupFiles: ['test/helpers/temp-dirs-setup.ts'],
    // The run gets its own TMPDIR and fails when a mailtap-* folder is left in it.
    globalSetup: ['test/helpers/temp-leak-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
