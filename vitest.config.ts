import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each test file starts its own servers; two cores run two files at a time well.
    maxWorkers: 2,
  },
})
