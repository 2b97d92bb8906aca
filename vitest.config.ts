import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

// Browser tests drive Debian's Chromium. Without it they are left out, loudly, except on CI,
// where a missing browser must fail the run rather than pass it with less tested.
const CHROMIUM = '/usr/bin/chromium'
const withBrowser = existsSync(CHROMIUM) || process.env.CI === 'true'
if (!withBrowser) {
  console.warn(`\n*** ${CHROMIUM} not found: the browser tests (*.browser.test.ts) are SKIPPED. Install it: sudo apt-get install chromium ***\n`)
}

/** The suites that speak the chat protocol through test/support/chat-client.ts: they run over both transports. */
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
    ],
  },
})
