// End-to-end tests: Node drives a real `wrangler dev` (started once in globalSetup) with real
// clients — the official MCP SDK clients, the conformance suite, native git, Chromium.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
