import { defineConfig } from 'vitest/config'

/** The suites that speak the chat protocol through test/support/chat-client.ts: they run over both transports. */
const protocolSuites = [
  'test/server/chat-flow.test.ts',
  'test/server/reliability.test.ts',
  'test/server/protocol-errors.test.ts',
  'test/server/security.test.ts',
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
          exclude: ['test/server/polling.test.ts'],
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
