import { defineConfig } from '@playwright/test';

// End-to-end tests drive Debian's Chromium (no browser download) against a
// real `fiskaldesk serve` that e2e/global-setup.ts starts on a temp data dir.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-output/e2e-results',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Two cores shared with other work: a flow may take a minute there.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  // One server for all files: the first start (dashboard.spec) runs before
  // the flows that log in as the owner it created.
  projects: [
    { name: 'first-start', testMatch: /dashboard\.spec\.ts/ },
    { name: 'flows', testIgnore: /dashboard\.spec\.ts/, dependencies: ['first-start'] },
  ],
  use: {
    viewport: { width: 1280, height: 800 },
    contextOptions: { reducedMotion: 'reduce' },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'off',
  },
});
