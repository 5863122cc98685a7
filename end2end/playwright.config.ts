import { defineConfig } from '@playwright/test';

// scripts/test starts the broker and the server, then runs this suite against them.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  projects: [
    // The whole loop, against a server with a reachable broker.
    { name: 'live', testMatch: ['whole_loop.spec.ts', 'live_view.spec.ts', 'load.spec.ts', 'security.spec.ts', 'socket_cut.spec.ts', 'trust.spec.ts', 'consumers.spec.ts'] },
    // A server whose broker is down (scripts/test starts one).
    { name: 'broker-down', testMatch: 'broker_down.spec.ts' },
    // A server with basic auth and read-only mode (scripts/test starts one).
    { name: 'guarded', testMatch: 'guarded.spec.ts' },
    // Schemas, export and copied commands, against a server with end2end/schemas (Apache Kafka).
    { name: 'schemas', testMatch: 'schemas.spec.ts' },
    // Two instances of the test's own behind nginx, on Apache Kafka.
    { name: 'scale-out', testMatch: 'scale_out.spec.ts' },
    // Benchmark 5 (scripts/bench): figures, not pass/fail; never part of scripts/test.
    // No trace: its DOM snapshots would walk the whole feed inside the page being measured.
    { name: 'bench', testDir: './bench', use: { trace: 'off' } },
  ],
  use: {
    baseURL: process.env.KAFKA_LIVE_URL ?? 'http://127.0.0.1:3000',
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download is not reachable here.
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
});
