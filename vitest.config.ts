import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'
import { missingServices } from './test/support/services.js'

// Browser tests drive Debian's Chromium. Without it they are left out, loudly, except on CI,
// where a missing browser must fail the run rather than pass it with less tested.
const CHROMIUM = '/usr/bin/chromium'
const withBrowser = existsSync(CHROMIUM) || process.env.CI === 'true'
if (!withBrowser) {
  console.warn(`\n*** ${CHROMIUM} not found: the browser tests (*.browser.test.ts) are SKIPPED. Install it: sudo apt-get install chromium ***\n`)
}

// The protocol suites run once more on PostgreSQL. Without one they are left out, loudly,
// except on CI, where the run fails.
const withoutPostgres = await missingServices('the protocol suites on PostgreSQL (project postgres)', 'postgres')

/** The suites that speak the chat protocol through test/support/chat-client.ts: they run over both transports and on both stores. */
const protocolSuites = [
  'test/server/chat-flow.test.ts',
  'test/server/reliability.test.ts',
  'test/server/protocol-errors.test.ts',
  'test/server/security.test.ts',
  'test/server/notes.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each test file starts its own servers; two cores run two files at a time well.
    maxWorkers: 2,
    // `--project postgres` without a PostgreSQL runs nothing: skipped, as warned above, not failed.
    passWithNoTests: withoutPostgres,
    projects: [
      {
        extends: true,
        test: {
          // Everything, with clients on WebSockets (the transport test/support uses by default).
          name: 'websocket',
          include: ['test/**/*.test.ts'],
          exclude: ['test/server/polling.test.ts', ...(withBrowser ? [] : ['test/**/*.browser.test.ts'])],
          env: { TEST_TRANSPORT: 'websocket' },
        },
      },
      {
        extends: true,
        test: {
          // The protocol suites again, with clients on HTTP long polling, and what is polling's own.
          name: 'polling',
          include: [...protocolSuites, 'test/server/polling.test.ts'],
          env: { TEST_TRANSPORT: 'polling' },
        },
      },
      {
        extends: true,
        test: {
          // The protocol suites again, on PostgreSQL: each test server in a fresh schema of its own.
          name: 'postgres',
          include: !withoutPostgres ? protocolSuites : [],
          env: { TEST_TRANSPORT: 'websocket', TEST_DATABASE: 'postgres' },
        },
      },
    ],
  },
})
