import { defineConfig } from 'vitest/config';

// The web view in a real browser (Debian's chromium through playwright-core): `npm run test:web`,
// after `npm run build` (the page loads the built front end from dist/web/client).
export default defineConfig({
  test: {
    include: ['test/web-browser/**/*.test.ts'],
    setupFiles: ['test/helpers/temp-dirs-setup.ts'],
    // The run gets its own TMPDIR and fails when a mailtap-* folder is left in it.
    globalSetup: ['test/helpers/temp-leak-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
