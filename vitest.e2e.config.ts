import { defineConfig } from 'vitest/config';

/**
 * Browser tests: the real server in-process, driven through Debian's chromium by
 * playwright-core. The global setup builds web/dist when its sources changed.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // One browser, one server per file; files must not fight over CPU during timeouts.
    fileParallelism: false,
    // A loaded CI machine can be slow to repaint; give polled expectations room.
    expect: { poll: { timeout: 15_000 } },
  },
});
